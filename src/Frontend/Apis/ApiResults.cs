using System.Text.RegularExpressions;
using Acd.CallControl.Calls;
using Acd.Common;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

/// <summary>Maps grain results onto problem+json responses.</summary>
public static partial class ApiResults
{
    public static int StatusCode(AcdError error) => error switch
    {
        AcdError.None => StatusCodes.Status200OK,
        AcdError.NotFound or AcdError.NotConfigured => StatusCodes.Status404NotFound,
        AcdError.InvalidArgument => StatusCodes.Status400BadRequest,
        AcdError.NotSupported => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status409Conflict,
    };

    public static ProblemHttpResult Problem(Result result) => Problem(result.Error, result.Message);

    public static ProblemHttpResult Problem<T>(Result<T> result) => Problem(result.Error, result.Message);

    public static ProblemHttpResult Problem(AcdError error, string? message) =>
        TypedResults.Problem(detail: message, statusCode: StatusCode(error), title: Title(error),
            extensions: new Dictionary<string, object?> { ["error"] = error.ToString() });

    public static ProblemHttpResult NotFound(string detail) => Problem(AcdError.NotFound, detail);

    public static ProblemHttpResult Conflict(string detail) => Problem(AcdError.Conflict, detail);

    public static ProblemHttpResult Forbidden(string detail = "You may not act on this resource.") =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static ProblemHttpResult Unavailable(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable");

    /// <summary>429 with Retry-After (whole seconds, at least 1) while an account backs off after wrong passwords.</summary>
    public static ProblemHttpResult TooManyAttempts(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            detail: $"Too many wrong passwords for this account: retry in {seconds} s. Each further failure doubles the wait; a successful sign-in resets it.",
            statusCode: StatusCodes.Status429TooManyRequests, title: "Too many attempts",
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is invalid.");

    public static ValidationProblem Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    private static string Title(AcdError error) => error switch
    {
        AcdError.NotFound => "Not found",
        AcdError.NotConfigured => "Not configured",
        AcdError.InvalidArgument => "Invalid argument",
        AcdError.IllegalTransition => "Illegal state transition",
        AcdError.Busy => "Busy",
        AcdError.Conflict => "Conflict",
        AcdError.NotSupported => "Not supported for this call",
        _ => "Error",
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public static partial Regex IdPattern();
}

/// <summary>Collects field errors for a 400 validation problem.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public Validator Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            Add(field, message);
        }

        return this;
    }

    public Validator Id(string? value, string field) =>
        Require(value is not null && ApiResults.IdPattern().IsMatch(value), field,
            "Required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");

    public Validator Number(string? value, string field) =>
        Require(value is not null && DialTargets.IsPhoneNumber(value), field, "Required: a phone number (digits, optional leading +).");

    public Validator Text(string? value, string field, int max = 200, bool required = true) =>
        Require(required ? !string.IsNullOrWhiteSpace(value) && value.Length <= max : value is null || value.Length <= max, field,
            required ? $"Required, at most {max} characters." : $"At most {max} characters.");

    public Validator Range(int? value, string field, int min, int max) =>
        Require(value is null || (value >= min && value <= max), field, $"Must be between {min} and {max}.");

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public ValidationProblem Problem() => ApiResults.Invalid(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
