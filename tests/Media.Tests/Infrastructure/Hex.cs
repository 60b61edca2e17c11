namespace Acd.Media.Tests.Infrastructure;

public static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(string.Concat(hex.Where(char.IsAsciiHexDigit)));
}
