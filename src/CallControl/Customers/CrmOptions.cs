namespace Acd.CallControl.Customers;

/// <summary>Configuration section "Crm": an external CRM asked for the caller by phone number.</summary>
public sealed class CrmOptions
{
    public const string Section = "Crm";

    /// <summary>
    /// URL with placeholders {phone} (as dialled, URL-encoded) and {digits} (digits only), e.g.
    /// "https://crm.example.com/api/customers/by-phone/{digits}". Empty disables the connector.
    /// The CRM answers 200 with a JSON customer {id, name, email, company, notes, attributes} or 404.
    /// </summary>
    public string? UrlTemplate { get; set; }

    /// <summary>How long a call waits for the CRM before falling back to the built-in customer table.</summary>
    public int TimeoutMs { get; set; } = 1500;

    /// <summary>Extra request headers (e.g. Authorization).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];
}
