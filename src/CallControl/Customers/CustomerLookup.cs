using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.Calls;
using Acd.Customers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.CallControl.Customers;

/// <summary>Finds who is calling: the CRM connector first (when configured), else the built-in customer table.</summary>
public interface ICustomerLookup
{
    Task<CustomerSnapshot> LookupAsync(string phoneNumber, CancellationToken cancellationToken = default);
}

public sealed partial class CustomerLookup(
    IGrainFactory grains,
    IHttpClientFactory http,
    IOptionsMonitor<CrmOptions> options,
    CallControlMetrics metrics,
    ILogger<CustomerLookup> logger) : ICustomerLookup
{
    public const string HttpClientName = "crm";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<CustomerSnapshot> LookupAsync(string phoneNumber, CancellationToken cancellationToken = default)
    {
        var crm = options.CurrentValue;
        if (!string.IsNullOrWhiteSpace(crm.UrlTemplate))
        {
            var found = await FromCrmAsync(crm, phoneNumber, cancellationToken);
            if (found is not null)
            {
                metrics.CustomerLookup("crm");
                return found;
            }
        }

        var customer = await grains.GetGrain<ICustomerDirectoryGrain>(CustomerDirectoryKeys.Default).FindByPhoneAsync(phoneNumber);
        metrics.CustomerLookup(customer is null ? "none" : "builtin");
        return customer is null
            ? CustomerSnapshot.Unknown(phoneNumber)
            : new CustomerSnapshot(customer.CustomerId, customer.Name, phoneNumber, customer.Email, customer.Company, customer.Notes,
                "builtin", customer.Attributes);
    }

    private async Task<CustomerSnapshot?> FromCrmAsync(CrmOptions crm, string phoneNumber, CancellationToken cancellationToken)
    {
        var url = crm.UrlTemplate!
            .Replace("{phone}", Uri.EscapeDataString(phoneNumber), StringComparison.Ordinal)
            .Replace("{digits}", PhoneNumbers.Normalize(phoneNumber), StringComparison.Ordinal);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(50, crm.TimeoutMs)));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            foreach (var (name, value) in crm.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<CrmCustomer>(Json, timeout.Token);
            if (body is null || (body.Id is null && body.Name is null))
            {
                return null;
            }

            return new CustomerSnapshot(body.Id, body.Name, phoneNumber, body.Email, body.Company, body.Notes, "crm",
                (body.Attributes ?? []).ToImmutableDictionary());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException or JsonException
            or NotSupportedException or InvalidOperationException or UriFormatException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            metrics.CustomerLookup("crm-error");
            LogCrmFailed(logger, url, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRM lookup {Url} failed ({Reason}); using the built-in customer table.")]
    private static partial void LogCrmFailed(ILogger logger, string url, string reason);

    private sealed record CrmCustomer(string? Id, string? Name, string? Email, string? Company, string? Notes, Dictionary<string, string>? Attributes);
}
