using Acd.ThreeCx.Auth;
using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Events;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.ThreeCx;

/// <summary>Everything the connector holds for one PBX: its settings, its one token cache and the REST client on it.</summary>
public sealed class ThreeCxPbx
{
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;

    public ThreeCxPbx(ThreeCxPbxOptions options, HttpClient http, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        Options = options;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        Tokens = new ThreeCxTokenCache(options, http, _time, _loggers.CreateLogger<ThreeCxTokenCache>());
        Client = new ThreeCxClient(options, http, Tokens);
    }

    public string Name => Options.Name;

    public ThreeCxPbxOptions Options { get; }

    /// <summary>The only token cache of this PBX's client: anything that talks to the PBX must use it (or <see cref="Client"/>).</summary>
    public ThreeCxTokenCache Tokens { get; }

    public ThreeCxClient Client { get; }

    /// <summary>An event stream on this PBX telling <paramref name="observer"/>; run it with <see cref="ThreeCxEventStream.RunAsync"/>.</summary>
    public ThreeCxEventStream CreateEventStream(IThreeCxObserver observer) =>
        new(Options, Tokens, Client, observer, _time, _loggers.CreateLogger<ThreeCxEventStream>());
}
