using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Acd.Frontend.Apis.Export;

/// <summary>Writes an <see cref="ExportTable"/> as a one-sheet workbook (header row, then one row per table row).</summary>
internal static class XlsxWriter
{
    public static byte[] Write(ExportTable table)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var sheetPart = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            data.Append(Row(table.Columns));
            foreach (var row in table.Rows)
            {
                data.Append(Row(row));
            }

            sheetPart.Worksheet = new Worksheet(data);
            var sheets = workbook.Workbook.AppendChild(new Sheets());
            // Sheet names are at most 31 characters.
            sheets.Append(new Sheet { Id = workbook.GetIdOfPart(sheetPart), SheetId = 1, Name = table.Name.Length > 31 ? table.Name[..31] : table.Name });
            workbook.Workbook.Save();
        }

        return stream.ToArray();
    }

    private static Row Row(IEnumerable<object?> values)
    {
        var row = new Row();
        foreach (var value in values)
        {
            row.Append(value switch
            {
                null => new Cell(),
                int or long or double or float or decimal => new Cell
                {
                    DataType = CellValues.Number,
                    CellValue = new CellValue(ExportTable.Text(value)!),
                },
                _ => new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(ExportTable.Text(value) ?? string.Empty)) },
            });
        }

        return row;
    }
}
