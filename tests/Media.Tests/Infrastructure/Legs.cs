using Acd.Media.Sessions;

namespace Acd.Media.Tests.Infrastructure;

/// <summary>Negotiates an endpoint with a test phone, either way round, as the SIP edge would.</summary>
public static class Legs
{
    /// <summary>The phone offers (an inbound call): the engine answers.</summary>
    public static MediaEndpoint AnswerPhone(MediaSession session, TestPhone phone, string? label = null)
    {
        var endpoint = Ok(session.CreateEndpoint(label));
        var answer = Ok(endpoint.AcceptOffer(phone.Sdp()));
        phone.TargetFromSdp(answer);
        return endpoint;
    }

    /// <summary>The engine offers (an outbound leg): the phone answers.</summary>
    public static MediaEndpoint OfferToPhone(MediaSession session, TestPhone phone, string? label = null)
    {
        var endpoint = Ok(session.CreateEndpoint(label));
        var offer = Ok(endpoint.CreateOffer(MediaProfile.RtpAvp));
        var status = endpoint.AcceptAnswer(phone.Sdp());
        Assert.True(status.Succeeded, status.ToString());
        phone.TargetFromSdp(offer);
        return endpoint;
    }

    public static T Ok<T>(MediaResult<T> result) where T : class
    {
        Assert.True(result.Succeeded, result.ToString());
        return result.Value!;
    }
}
