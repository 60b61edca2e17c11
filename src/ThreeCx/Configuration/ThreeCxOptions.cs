namespace Acd.ThreeCx.Configuration;

/// <summary>Configuration section "ThreeCx" (environment form <c>ThreeCx__Pbxs__0__ClientSecret</c>): the 3CX PBXs the ACD drives.</summary>
public sealed class ThreeCxOptions
{
    public const string Section = "ThreeCx";

    /// <summary>One entry per PBX; none means the connector is off.</summary>
    public List<ThreeCxPbxOptions> Pbxs { get; set; } = [];
}

/// <summary>How <c>expires_in</c> of the token reply is read: 3CX sends seconds since 20.0.9 and minutes before, with no marker.</summary>
public enum ThreeCxTokenLifetimeUnit
{
    /// <summary>
    /// The lifetime the token itself carries (its JWT <c>exp</c> minus <c>iat</c>, which are seconds in every version);
    /// when the token is not a readable JWT, seconds. Reading an old PBX's minutes as seconds only refreshes early,
    /// the opposite mistake would use a dead token for up to an hour, hence seconds as the fallback.
    /// </summary>
    Auto,
    Seconds,
    Minutes,
}

/// <summary>One 3CX PBX reached through its Call Control API.</summary>
public sealed class ThreeCxPbxOptions
{
    /// <summary>Names the PBX in logs, health details and events; unique among the PBXs.</summary>
    public string Name { get; set; } = "";

    /// <summary>The PBX's web address, e.g. <c>https://pbx.example.com</c>; the API lives under <c>/callcontrol</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The API client's id from Admin > Integrations > API, which is also the Route Point DN the client owns.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The API client's secret. Never logged; better given by environment or <see cref="ClientSecretFile"/> than in a file under source control.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A file holding the secret (a mounted Kubernetes secret); read when <see cref="ClientSecret"/> is empty.</summary>
    public string? ClientSecretFile { get; set; }

    /// <summary>Route Point DN or DID -> ACD queue id. A DID entry wins over the Route Point's own entry.</summary>
    public Dictionary<string, string> RoutePoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often a <c>GET /callcontrol</c> snapshot reconciles events the socket may have missed.</summary>
    public int SnapshotSeconds { get; set; } = 45;

    /// <summary>WebSocket ping frames every so often (3CX sends no application-level ping; 5 to 30 s is what it expects).</summary>
    public int PingSeconds { get; set; } = 15;

    /// <summary>A participant that vanishes and comes back within this time (a queue's ring wave) is not reported as removed.</summary>
    public int RemovalGraceMilliseconds { get; set; } = 2000;

    /// <summary>The longest wait between reconnection attempts of the event socket (the wait doubles from 1 s up to this).</summary>
    public int ReconnectMaxSeconds { get; set; } = 30;

    /// <summary>The longest wait before the token endpoint is asked again after it failed (doubling from 1 s up to this).</summary>
    public int TokenBackoffMaxSeconds { get; set; } = 60;

    public ThreeCxTokenLifetimeUnit TokenLifetimeUnit { get; set; } = ThreeCxTokenLifetimeUnit.Auto;

    /// <summary>Time limit of one REST request (not of <c>routeto</c>, which 3CX holds open until its own timeout, nor of audio streams).</summary>
    public int RequestTimeoutSeconds { get; set; } = 15;

    /// <summary>The secret from <see cref="ClientSecret"/> or <see cref="ClientSecretFile"/>, trimmed; null when neither gives one.</summary>
    public string? ResolveSecret()
    {
        if (!string.IsNullOrWhiteSpace(ClientSecret))
        {
            return ClientSecret.Trim();
        }

        if (!string.IsNullOrWhiteSpace(ClientSecretFile) && File.Exists(ClientSecretFile))
        {
            var fromFile = File.ReadAllText(ClientSecretFile).Trim();
            return fromFile.Length == 0 ? null : fromFile;
        }

        return null;
    }

    /// <summary>The ACD queue for a call on <paramref name="routePointDn"/> dialled to <paramref name="did"/>, or null when neither is mapped.</summary>
    public string? ResolveQueue(string routePointDn, string? did)
    {
        if (!string.IsNullOrEmpty(did) && RoutePoints.TryGetValue(did, out var byDid))
        {
            return byDid;
        }

        return RoutePoints.TryGetValue(routePointDn, out var byDn) ? byDn : null;
    }

    public Uri ApiBase => new(BaseUrl.TrimEnd('/') + "/", UriKind.Absolute);

    // Options objects end up in debug output and exception messages; the secret must not travel with them.
    public override string ToString() => $"{Name} ({BaseUrl}, client {ClientId})";
}
