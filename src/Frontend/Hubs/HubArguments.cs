using Acd.Frontend.Apis;
using Microsoft.AspNetCore.SignalR;

namespace Acd.Frontend.Hubs;

/// <summary>
/// Argument checks for hub methods. A HubException's message reaches the caller as it is (other exceptions become
/// SignalR's generic "unexpected error"), so a client bug gets a clear answer and no server internals.
/// </summary>
public static class HubArguments
{
    /// <summary>The id, or a HubException naming the argument when it is missing or not an id.</summary>
    public static string Id(string? value, string name) =>
        value is not null && ApiResults.IdPattern().IsMatch(value)
            ? value
            : throw new HubException($"{name} is required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
}
