using System.Text;
using System.Text.Json;

namespace Acd.Frontend.Tests.Infrastructure;

/// <summary>Reads the connection token out of the client's negotiate response.</summary>
public sealed class NegotiateCapture
{
    public TaskCompletionSource<string> Token { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HttpMessageHandler Wrap(HttpMessageHandler inner) => new Handler(this) { InnerHandler = inner };

    private sealed class Handler(NegotiateCapture capture) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/negotiate", StringComparison.Ordinal) && response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (JsonDocument.Parse(body).RootElement.TryGetProperty("connectionToken", out var token))
                {
                    capture.Token.TrySetResult(token.GetString()!);
                }

                response.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            return response;
        }
    }
}
