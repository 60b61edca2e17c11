using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis.Export;

/// <summary>
/// One report table as it is exported: column names and rows of cells (text, numbers, times or null). Numbers stay
/// numbers in XLSX, so a spreadsheet can sum them; times are ISO 8601 (UTC) text in both formats.
/// </summary>
public sealed record ExportTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows)
{
    public const string Csv = "csv";
    public const string Xlsx = "xlsx";

    public static bool IsExport(string? format) => IsCsv(format) || IsXlsx(format);

    public static bool IsValidFormat(string? format) => format is null || format == "json" || IsExport(format);

    public static bool IsCsv(string? format) => string.Equals(format, Csv, StringComparison.OrdinalIgnoreCase);

    public static bool IsXlsx(string? format) => string.Equals(format, Xlsx, StringComparison.OrdinalIgnoreCase);

    /// <summary>The table as a download in <paramref name="format"/> (csv or xlsx), named <see cref="Name"/> plus the extension.</summary>
    public FileContentHttpResult ToFile(string? format) => IsXlsx(format)
        ? TypedResults.File(XlsxWriter.Write(this), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{Name}.xlsx")
        : TypedResults.File(Encoding.UTF8.GetBytes(ToCsv()), "text/csv; charset=utf-8", $"{Name}.csv");

    public string ToCsv()
    {
        var csv = new StringBuilder();
        Line(csv, Columns);
        foreach (var row in Rows)
        {
            Line(csv, row.Select(Text));
        }

        return csv.ToString();
    }

    internal static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        DateTimeOffset t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        float f => f.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static void Line(StringBuilder csv, IEnumerable<string?> values) => csv.AppendJoin(',', values.Select(Escape)).Append("\r\n");

    private static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        // Neutralise spreadsheet formulas (CSV injection) and quote when needed.
        if (value[0] is '=' or '@' || (value[0] is '+' or '-' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
