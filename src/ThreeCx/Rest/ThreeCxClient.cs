using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.ThreeCx.Auth;
using Acd.ThreeCx.Configuration;

namespace Acd.ThreeCx.Rest;

/// <summary>
/// The Call Control REST API of one PBX. Every request carries the shared token; a 401 is retried once with a renewed
/// token (3CX cuts a token off as soon as another is issued, which a long-running connector meets routinely).
/// </summary>
public sealed class ThreeCxClient
{
    private readonly HttpClient _http;
    private readonly ThreeCxTokenCache _tokens;
    private readonly ThreeCxPbxOptions _pbx;
    private readonly Uri _base;

    /// <param name="http">Without a timeout of its own (<see cref="Timeout.InfiniteTimeSpan"/>): routeto and audio streams
    /// last as long as the call needs; the other requests get <see cref="ThreeCxPbxOptions.RequestTimeoutSeconds"/>.</param>
    public ThreeCxClient(ThreeCxPbxOptions pbx, HttpClient http, ThreeCxTokenCache tokens)
    {
        _pbx = pbx;
        _http = http;
        _tokens = tokens;
        _base = new Uri(pbx.ApiBase, "callcontrol/");
    }

    public string PbxName => _pbx.Name;

    /// <summary><c>GET /callcontrol</c>: every monitored DN with its devices and participants.</summary>
    public async Task<IReadOnlyList<ThreeCxDnInfo>> GetSnapshotAsync(CancellationToken cancellationToken = default) =>
        await GetJsonAsync<List<ThreeCxDnInfo>>("", cancellationToken).ConfigureAwait(false) ?? [];

    /// <summary><c>GET /callcontrol/{dn}</c>, or null for an unknown DN.</summary>
    public Task<ThreeCxDnInfo?> GetDnAsync(string dn, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ThreeCxDnInfo>(Escape(dn), cancellationToken);

    public async Task<IReadOnlyList<ThreeCxParticipant>> GetParticipantsAsync(string dn, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<List<ThreeCxParticipant>>($"{Escape(dn)}/participants", cancellationToken).ConfigureAwait(false) ?? [];

    /// <summary>The participant now, or null when it is gone (404).</summary>
    public Task<ThreeCxParticipant?> GetParticipantAsync(string dn, int id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ThreeCxParticipant>($"{Escape(dn)}/participants/{id}", cancellationToken);

    public async Task<IReadOnlyList<ThreeCxDevice>> GetDevicesAsync(string dn, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<List<ThreeCxDevice>>($"{Escape(dn)}/devices", cancellationToken).ConfigureAwait(false) ?? [];

    public Task<ThreeCxActionResult> DropAsync(string dn, int id, CancellationToken cancellationToken = default) =>
        ControlAsync(dn, id, "drop", new ThreeCxActionRequest(), cancellationToken);

    /// <summary>Only for Route Point participants and those with <c>direct_control</c>.</summary>
    public Task<ThreeCxActionResult> AnswerAsync(string dn, int id, CancellationToken cancellationToken = default) =>
        ControlAsync(dn, id, "answer", new ThreeCxActionRequest(), cancellationToken);

    /// <summary>Deflects a ringing participant; 3CX refuses it once connected.</summary>
    public Task<ThreeCxActionResult> DivertAsync(string dn, int id, string destination, string? reason = null, CancellationToken cancellationToken = default) =>
        ControlAsync(dn, id, "divert", new ThreeCxActionRequest { Destination = destination, Reason = reason }, cancellationToken);

    /// <summary>
    /// Rings <paramref name="destination"/> for up to <paramref name="timeoutSeconds"/>; the answer comes only once the
    /// destination answered or the attempt failed, and on failure the caller keeps its place on the DN.
    /// </summary>
    public Task<ThreeCxActionResult> RouteToAsync(string dn, int id, string destination, int timeoutSeconds, string? reason = null, CancellationToken cancellationToken = default) =>
        ControlAsync(dn, id, "routeto", new ThreeCxActionRequest { Destination = destination, Timeout = timeoutSeconds, Reason = reason }, cancellationToken,
            heldOpen: TimeSpan.FromSeconds(timeoutSeconds));

    /// <summary>Blind transfer of a connected participant's other party.</summary>
    public Task<ThreeCxActionResult> TransferToAsync(string dn, int id, string destination, string? reason = null, CancellationToken cancellationToken = default) =>
        ControlAsync(dn, id, "transferto", new ThreeCxActionRequest { Destination = destination, Reason = reason }, cancellationToken);

    public Task<ThreeCxActionResult> AttachDataAsync(string dn, int id, IReadOnlyDictionary<string, string> data, CancellationToken cancellationToken = default) =>
        ControlAsync(dn, id, "attach_participant_data", new ThreeCxActionRequest { AttachedData = data }, cancellationToken);

    /// <summary>Any participant action by name; a refusal is a result with <see cref="ThreeCxActionResult.Succeeded"/> false, not an exception.</summary>
    public async Task<ThreeCxActionResult> ControlAsync(string dn, int id, string action, ThreeCxActionRequest body, CancellationToken cancellationToken = default,
        TimeSpan? heldOpen = null)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Path($"{Escape(dn)}/participants/{id}/{Uri.EscapeDataString(action)}"))
            {
                Content = JsonContent.Create(body, options: ThreeCxJson.Options),
            },
            cancellationToken, heldOpen).ConfigureAwait(false);
        return await ReadResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Calls <paramref name="request"/>'s destination from <paramref name="dn"/> (the DN's own phone rings first).</summary>
    public async Task<ThreeCxActionResult> MakeCallAsync(string dn, ThreeCxMakeCallRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Path($"{Escape(dn)}/makecall")) { Content = JsonContent.Create(request, options: ThreeCxJson.Options) },
            cancellationToken).ConfigureAwait(false);
        return await ReadResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Calls from one device of <paramref name="dn"/> (a device id is a SIP contact, so it is URL-encoded).</summary>
    public async Task<ThreeCxActionResult> MakeCallFromDeviceAsync(string dn, string deviceId, ThreeCxMakeCallRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Path($"{Escape(dn)}/devices/{Uri.EscapeDataString(deviceId)}/makecall"))
            {
                Content = JsonContent.Create(request, options: ThreeCxJson.Options),
            },
            cancellationToken).ConfigureAwait(false);
        return await ReadResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller's audio (raw PCM s16le, 8 kHz, mono) for as long as the participant lasts; null when it is gone.
    /// The caller disposes the stream.
    /// </summary>
    public async Task<Stream?> OpenAudioAsync(string dn, int id, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Path($"{Escape(dn)}/participants/{id}/stream")),
            cancellationToken, heldOpen: Timeout.InfiniteTimeSpan, headersOnly: true).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return new ResponseStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), response);
    }

    /// <summary>
    /// Plays audio (raw PCM s16le, 8 kHz, mono) to the participant as one long chunked upload that lasts until
    /// <paramref name="audio"/> ends or the call does. Returns false when the participant was gone.
    /// </summary>
    public async Task<bool> SendAudioAsync(string dn, int id, IAsyncEnumerable<ReadOnlyMemory<byte>> audio, CancellationToken cancellationToken = default)
    {
        var content = new AudioUploadContent(audio);
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Path($"{Escape(dn)}/participants/{id}/stream"))
            {
                Content = content.Fresh(),
                // The audio can be read only once: with 100-continue a 401 comes before any of it is spent, so the retry still has it all.
                Headers = { ExpectContinue = true },
            },
            cancellationToken, heldOpen: Timeout.InfiniteTimeSpan, canRetry: () => !content.Started).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc cref="SendAudioAsync(string, int, IAsyncEnumerable{ReadOnlyMemory{byte}}, CancellationToken)"/>
    public Task<bool> SendAudioAsync(string dn, int id, Stream audio, CancellationToken cancellationToken = default) =>
        SendAudioAsync(dn, id, ReadChunks(audio, cancellationToken), cancellationToken);

    /// <summary>The entity path of an event (<c>/callcontrol/150/participants/8106</c>) as a participant key, when it is one.</summary>
    public static bool TryParseParticipantPath(string? entity, out string dn, out int id)
    {
        dn = "";
        id = 0;
        var parts = (entity ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["callcontrol", var d, "participants", var i] && int.TryParse(i, out id))
        {
            dn = Uri.UnescapeDataString(d);
            return true;
        }

        return false;
    }

    /// <summary>The DN of an event entity that names a DN itself (<c>/callcontrol/150</c>).</summary>
    public static bool TryParseDnPath(string? entity, out string dn)
    {
        var parts = (entity ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        dn = parts is ["callcontrol", var d] && d != "ws" ? Uri.UnescapeDataString(d) : "";
        return dn.Length > 0;
    }

    private async Task<T?> GetJsonAsync<T>(string relative, CancellationToken cancellationToken) where T : class
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Path(relative)), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(ThreeCxJson.Options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken,
        TimeSpan? heldOpen = null, bool headersOnly = false, Func<bool>? canRetry = null)
    {
        // routeto is answered only after its own ring timeout; give it that plus the usual request time.
        var limit = heldOpen == Timeout.InfiniteTimeSpan
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromSeconds(_pbx.RequestTimeoutSeconds) + (heldOpen ?? TimeSpan.Zero);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var completion = headersOnly || heldOpen == Timeout.InfiniteTimeSpan ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;

        var token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var response = await SendOnceAsync(build, token, completion, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || (canRetry is not null && !canRetry()))
        {
            return response;
        }

        response.Dispose();
        token = await _tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
        response = await SendOnceAsync(build, token, completion, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new ThreeCxApiException(401, $"3CX '{_pbx.Name}' refused a fresh token (401): is the client's Call Control API access ticked?");
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> build, string token, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = build();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ThreeCxActionResult> ReadResultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status == 403)
        {
            throw new ThreeCxApiException(403, $"3CX '{_pbx.Name}': the API client may not do this (403).");
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        ThreeCxActionResult? parsed = null;
        if (text.Length > 0 && text.TrimStart().StartsWith('{'))
        {
            try
            {
                parsed = JsonSerializer.Deserialize<ThreeCxActionResult>(text, ThreeCxJson.Options);
            }
            catch (JsonException)
            {
            }
        }

        // A refusal may come as plain text or a problem body; keep its text as the reason either way.
        parsed ??= new ThreeCxActionResult { FinalStatus = response.IsSuccessStatusCode ? null : "Failure", ReasonText = Trim(text) };
        return parsed with { HttpStatus = status };
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new ThreeCxApiException((int)response.StatusCode, $"3CX '{_pbx.Name}' answered {(int)response.StatusCode}: {Trim(text)}");
    }

    private Uri Path(string relative) => new(_base, relative);

    private static string Escape(string dn) => Uri.EscapeDataString(dn);

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300];

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunks(Stream audio, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[3200];
        int read;
        while ((read = await audio.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            yield return buffer.AsMemory(0, read);
        }
    }
}

/// <summary>The PBX answered an error the caller cannot treat as a normal outcome.</summary>
public sealed class ThreeCxApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
