using System.Text.Json;

namespace Acd.ThreeCx.Events;

/// <summary>The event types of the socket's <c>event_type</c>.</summary>
public enum ThreeCxEventType
{
    Upsert = 0,
    Remove = 1,
    Dtmf = 2,
    PromptPlaybackFinished = 3,
    Response = 4,
}

/// <summary>One socket message: <c>{"sequence":N,"event":{"event_type":T,"entity":"/callcontrol/150/participants/8106","attached_data":...}}</c>.</summary>
internal sealed record ThreeCxEventMessage(long Sequence, ThreeCxEventType Type, string Entity, string? DtmfInput)
{
    /// <summary>False for anything that is not a well-formed event; bad input is the PBX's problem, not an exception here.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out ThreeCxEventMessage message)
    {
        message = null!;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                return false;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.Object ||
                    !evt.TryGetProperty("event_type", out var type) || !type.TryGetInt32(out var typeValue) ||
                    !evt.TryGetProperty("entity", out var entity) || entity.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                var sequence = root.TryGetProperty("sequence", out var seq) && seq.TryGetInt64(out var s) ? s : -1;
                string? dtmf = null;
                if (evt.TryGetProperty("attached_data", out var data) && data.ValueKind == JsonValueKind.Object &&
                    data.TryGetProperty("dtmf_input", out var input))
                {
                    dtmf = input.ValueKind == JsonValueKind.String ? input.GetString() : input.GetRawText();
                }

                message = new ThreeCxEventMessage(sequence, (ThreeCxEventType)typeValue, entity.GetString()!, dtmf);
                return true;
            }
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
