namespace Acd.Common;

/// <summary>Why a command was refused. Maps one-to-one onto HTTP/SIP errors at the edges.</summary>
public enum AcdError
{
    None = 0,
    NotFound,
    NotConfigured,
    InvalidArgument,
    IllegalTransition,
    Busy,
    Conflict,

    /// <summary>What carries the call cannot do this (a 3CX PBX's Call Control API has no hold, park or DTMF).</summary>
    NotSupported,
}

/// <summary>Outcome of a grain command: success, or a typed error with a human readable reason.</summary>
[GenerateSerializer, Immutable, Alias("acd.Result")]
public readonly record struct Result([property: Id(0)] AcdError Error, [property: Id(1)] string? Message)
{
    public bool IsSuccess => Error == AcdError.None;

    public static Result Ok => default;

    public static Result Fail(AcdError error, string message) => new(error, message);

    public override string ToString() => IsSuccess ? "ok" : $"{Error}: {Message}";
}

/// <summary>Outcome of a grain command that yields a value on success.</summary>
[GenerateSerializer, Immutable, Alias("acd.Result`1")]
public readonly record struct Result<T>(
    [property: Id(0)] AcdError Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] T? Value)
{
    public bool IsSuccess => Error == AcdError.None;

    public static Result<T> Ok(T value) => new(AcdError.None, null, value);

    public static Result<T> Fail(AcdError error, string message) => new(error, message, default);

    public static implicit operator Result<T>(Result failure) => new(failure.Error, failure.Message, default);

    public override string ToString() => IsSuccess ? $"ok: {Value}" : $"{Error}: {Message}";
}
