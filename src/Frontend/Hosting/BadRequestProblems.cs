using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.Hosting;

/// <summary>
/// Every request the API cannot bind (broken JSON, a value of the wrong type, an unknown enum value, a missing body,
/// a query or route value that does not parse) becomes a 400 validation problem whose <c>errors</c> name the field and
/// say what it accepts. One mechanism for all endpoints: minimal APIs throw <see cref="BadHttpRequestException"/>
/// (RouteHandlerOptions.ThrowOnBadRequest) and this handler explains it; the endpoints' own validation adds the rest.
/// </summary>
public sealed partial class BadRequestProblems(IProblemDetailsService problems, IOptions<JsonOptions> json) : IExceptionHandler
{
    public const string BodyField = "body";

    public const string JsonOnly = "Send the body as JSON with Content-Type: application/json.";

    /// <summary>Bare status answers (written without an exception, e.g. a body that is not JSON) still say what is wrong.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
        {
            context.ProblemDetails.Detail = JsonOnly;
        }
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        var (title, detail, errors) = Explain(httpContext, bad);
        httpContext.Response.StatusCode = bad.StatusCode;
        var details = errors is null
            ? new Microsoft.AspNetCore.Mvc.ProblemDetails()
            : new HttpValidationProblemDetails(errors);
        details.Status = bad.StatusCode;
        details.Title = title;
        details.Detail = detail;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = bad });
    }

    private (string Title, string? Detail, Dictionary<string, string[]>? Errors) Explain(HttpContext context, BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ("Payload too large", "The request body is larger than this server accepts (Frontend:MaxRequestBodyBytes).", null);
        }

        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return ("Unsupported media type", JsonOnly, null);
        }

        if (bad.StatusCode != StatusCodes.Status400BadRequest)
        {
            return (ReasonPhrase(bad.StatusCode), bad.Message, null);
        }

        // The exception handler has already cleared the request's endpoint; its feature keeps the one that failed.
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        if (bad.InnerException is JsonException jsonError)
        {
            var bodyType = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
            return Invalid(JsonError(jsonError, bodyType));
        }

        if (FailedToBind().Match(bad.Message) is { Success: true } failed)
        {
            var name = failed.Groups["name"].Value;
            var type = ParameterType(endpoint, name);
            var value = failed.Groups["value"].Value;
            var got = value.Length > 64 ? value[..64] + "..." : value;
            var expected = type is null ? $"a {failed.Groups["type"].Value}" : JsonShapes.Describe(type, json.Value.SerializerOptions);
            return Invalid((Camel(name), $"Expected {expected}; got '{got}'."));
        }

        if (Missing().Match(bad.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            var fromBody = missing.Groups["source"].Value.Contains("body", StringComparison.OrdinalIgnoreCase);
            var type = ParameterType(endpoint, name);
            var what = type is null ? "a value" : JsonShapes.Describe(type, json.Value.SerializerOptions);
            return Invalid(fromBody ? (BodyField, $"Required: {what}.") : (Camel(name), $"Required: {what}."));
        }

        if (bad.Message.Contains("no body was provided", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid((BodyField, "Required: a JSON body."));
        }

        return ("Bad request", bad.Message, null);
    }

    private (string Field, string Message) JsonError(JsonException error, Type? bodyType)
    {
        var path = error.Path ?? "$";
        var field = JsonShapes.FieldName(path);
        if (error.InnerException is JsonException syntax)
        {
            // The reader's own complaint (e.g. "'}' is an invalid start of a value"), without its position suffix.
            var reason = PositionSuffix().Replace(syntax.Message, string.Empty).TrimEnd('.', ' ');
            var where = error.LineNumber is { } line ? $" at line {line + 1}, position {error.BytePositionInLine + 1}" : string.Empty;
            return (BodyField, $"Not valid JSON{where}: {reason}.");
        }

        var target = bodyType is null ? null : JsonShapes.Resolve(bodyType, path, json.Value.SerializerOptions);
        if (target is null)
        {
            return (field.Length == 0 ? BodyField : field, PositionSuffix().Replace(error.Message, string.Empty));
        }

        return (field.Length == 0 ? BodyField : field, $"Expected {JsonShapes.Describe(target, json.Value.SerializerOptions)}.");
    }

    private static (string, string?, Dictionary<string, string[]>?) Invalid((string Field, string Message) error) =>
        ("The request is invalid.", null, new Dictionary<string, string[]> { [error.Field] = [error.Message] });

    private static Type? ParameterType(Endpoint? endpoint, string name) =>
        endpoint?.Metadata.OfType<MethodInfo>().FirstOrDefault()?.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))?.ParameterType;

    private static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Bad request";

    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from \"(?<value>.*)\"\\.?$", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided from (?<source>.+?)\\.?$", RegexOptions.Singleline)]
    private static partial Regex Missing();

    [GeneratedRegex(@"\s*(Path: .*)?\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$|\s*Path: \S*\.?\s*$")]
    private static partial Regex PositionSuffix();
}
