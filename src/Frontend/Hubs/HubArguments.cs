using System.Reflection;
using Acd.Frontend.Apis;
using Microsoft.AspNetCore.SignalR;

namespace Acd.Frontend.Hubs;

/// <summary>
/// Checks the ids hub methods are given before the method runs: every string parameter whose name ends in "Id"
/// (callId, agentId) must be an id, else the caller gets a HubException naming the argument. A HubException's message
/// reaches the caller as it is (other exceptions become SignalR's generic "unexpected error"), so a client bug gets a
/// clear answer and no server internals, and no grain is called with a null or empty key.
/// </summary>
public sealed class HubArguments : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var parameters = invocationContext.HubMethod.GetParameters();
        for (var i = 0; i < parameters.Length && i < invocationContext.HubMethodArguments.Count; i++)
        {
            if (IsId(parameters[i]))
            {
                Id(invocationContext.HubMethodArguments[i] as string, parameters[i].Name!);
            }
        }

        return next(invocationContext);
    }

    /// <summary>The id, or a HubException naming the argument when it is missing or not an id.</summary>
    public static string Id(string? value, string name) =>
        value is not null && ApiResults.IdPattern().IsMatch(value)
            ? value
            : throw new HubException($"{name} is required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");

    private static bool IsId(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(string) && parameter.Name is { } name && name.EndsWith("Id", StringComparison.Ordinal);
}
