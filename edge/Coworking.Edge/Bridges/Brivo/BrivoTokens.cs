using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Coworking.Edge.Bridges.Brivo;

/// <summary>
/// Brivo's access tokens (docs/BRIDGES.md): fetched from the token endpoint with the password grant — a form, the
/// client's id and secret in Basic auth, the <c>api-key</c> header — and renewed with the refresh token
/// <see cref="BrivoOptions.RefreshBeforeSeconds"/> before the 300 s run out, so a call never leaves with a token about to
/// expire. A token Brivo refuses anyway (<c>invalid_token</c>) is dropped and the next call gets a fresh one. The token is
/// never logged.
/// </summary>
public sealed class BrivoTokens(IHttpClientFactory httpClients, BrivoOptions options, TimeProvider time) : IDisposable
{
    private readonly VendorTokenCache _cache = new(time);
    private long _issued;

    /// <summary>Tokens fetched since the edge started (for /status).</summary>
    public long Issued => Interlocked.Read(ref _issued);

    internal Task<string> GetAsync(VendorAccountSettings account, Uri tokenUrl, CancellationToken cancellationToken) =>
        _cache.GetAsync($"{account.Version}|{tokenUrl}", TimeSpan.FromSeconds(options.RefreshBeforeSeconds), async (refresh, ct) =>
        {
            BrivoTokenResponse token;
            try
            {
                token = refresh is null
                    ? await PasswordGrantAsync(account, tokenUrl, ct)
                    : await RequestAsync(account, tokenUrl, [new("grant_type", "refresh_token"), new("refresh_token", refresh)], ct);
            }
            catch (BrivoException) when (refresh is not null)
            {
                token = await PasswordGrantAsync(account, tokenUrl, ct);
            }

            Interlocked.Increment(ref _issued);
            return (token.AccessToken, token.RefreshToken, token.ExpiresIn);
        }, cancellationToken);

    /// <summary>Brivo refused this token: the next <see cref="GetAsync"/> fetches another.</summary>
    internal void Invalidate(string token) => _cache.Invalidate(token);

    private Task<BrivoTokenResponse> PasswordGrantAsync(VendorAccountSettings account, Uri tokenUrl, CancellationToken cancellationToken) =>
        RequestAsync(account, tokenUrl, [new("grant_type", "password"), new("username", account.Secret("username")), new("password", account.Secret("password"))], cancellationToken);

    private async Task<BrivoTokenResponse> RequestAsync(VendorAccountSettings account, Uri tokenUrl, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{account.Secret("client_id")}:{account.Secret("client_secret")}")));
        request.Headers.TryAddWithoutValidation("api-key", account.Secret("api_key"));
        using var response = await httpClients.CreateClient(BrivoBridge.VendorName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await BrivoClient.ErrorAsync(response, cancellationToken);
        }

        return await response.Content.ReadFromJsonAsync<BrivoTokenResponse>(VendorJson.CamelCase, cancellationToken)
            ?? throw new BrivoException((int)response.StatusCode, "invalid_response", "the token endpoint answered no token");
    }

    internal static bool IsInvalidToken(BrivoException error) => error.StatusCode == 401 && error.Code == "invalid_token";

    public void Dispose() => _cache.Dispose();
}
