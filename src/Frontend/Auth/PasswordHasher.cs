using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.Auth;

/// <summary>Salted PBKDF2-HMAC-SHA512 password hashes: "pbkdf2-sha512$iterations$salt$hash".</summary>
public sealed class PasswordHasher(IOptions<AuthOptions> options)
{
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private string? _decoy;

    /// <summary>
    /// Spends the time of a real check for a username without an account, so the answer's timing does not tell which
    /// accounts exist. Always false.
    /// </summary>
    public bool VerifyNoAccount(string password)
    {
        _decoy ??= Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        Verify(password, _decoy);
        return false;
    }

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var iterations = Math.Max(1000, options.Value.PasswordIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public static bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        var parts = (stored ?? string.Empty).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
