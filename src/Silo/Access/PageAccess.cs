using System.Net;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Silo.Access;

/// <summary>
/// Tokens on the web side when the pool requires them: the page, its API and the Orleans dashboard need a valid token
/// (a bearer header, or the cookie the sign-in form sets); the dashboard an admin's. /health and /metrics stay open for
/// load balancers and scrapers, which are kept to the network instead.
/// </summary>
public static class PageAccess
{
    /// <summary>The cookie the sign-in form sets: the token itself, HTTP only, same site.</summary>
    public const string Cookie = "orion-token";

    public static WebApplication UsePageAccess(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<AccessOptions>>().Value;

        // Who the page is signed in as, for its header (and whether the pool asks at all).
        app.MapGet("/api/access", (HttpContext context) => context.Reader() is { } reader
            ? Results.Json(new { required = true, who = reader.ToString(), name = reader.Name, role = reader.Role.ToString().ToLowerInvariant(), tenant = reader.Tenant, node = reader.Node })
            : Results.Json(new { required = false }));
        if (!options.Required)
        {
            return app;
        }

        var tokens = app.Services.GetRequiredService<AccessTokens>();
        var rates = app.Services.GetRequiredService<CallRates>();
        var time = app.Services.GetRequiredKeyedService<TimeProvider>(OrionClock.Key);
        app.Use(async (context, next) =>
        {
            var (principal, unverified) = await tokens.Resolve(TokenOf(context.Request));
            switch (WebAccessRule.Decide(context.Request.Path, principal, time.GetUtcNow()))
            {
                case WebAccess.SignIn:
                    await SignIn(context, HttpStatusCode.Unauthorized, null);
                    break;
                case WebAccess.Unauthorized:
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await Results.Problem(statusCode: 401, title: unverified is null ? "This pool requires an access token: Authorization: Bearer <token>, or sign in at /." : $"{unverified}.")
                        .ExecuteAsync(context);
                    break;
                case WebAccess.Forbidden:
                    await Results.Problem(statusCode: 403, title: $"{principal} may not open the Orleans dashboard: only an admin token may.").ExecuteAsync(context);
                    break;
                case WebAccess.Allowed when rates.Over(principal!) is { } rate:
                    // The same rate as its grain calls: a dashboard refreshing in a tight loop is told to slow down.
                    context.Response.Headers.RetryAfter = $"{Math.Max(1, (int)Math.Ceiling(1 / rate))}";
                    await Results.Problem(statusCode: 429, title: $"{principal} is over its rate of {rate} calls a second (Orion:Access:CallsPerSecond); slow down.").ExecuteAsync(context);
                    break;
                case WebAccess.Allowed:
                    context.Items[typeof(AccessPrincipal)] = principal;
                    await next(context);
                    break;
                default:
                    await next(context);
                    break;
            }
        });

        app.MapGet("/login", (HttpContext context) => SignIn(context, HttpStatusCode.OK, null));
        app.MapPost("/login", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var token = form["token"].ToString().Trim();
            var (principal, unverified) = await tokens.Resolve(token);
            if (principal is null || principal.HasExpired(time.GetUtcNow()))
            {
                await SignIn(context, HttpStatusCode.Unauthorized, principal is not null
                    ? $"That token expired at {principal.Expires:yyyy-MM-dd HH:mm:ss}Z; ask an admin for a new one."
                    : unverified is not null ? $"That {unverified}."
                    : "The pool does not take that token.");
                return;
            }

            context.Response.Cookies.Append(Cookie, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
            });
            context.Response.Redirect("/", permanent: false, preserveMethod: false);
        }).DisableAntiforgery();
        app.MapPost("/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(Cookie, new CookieOptions { Path = "/" });
            return Results.Redirect("/");
        }).DisableAntiforgery();
        return app;
    }

    /// <summary>Who made the request, when the pool requires tokens; null when it does not.</summary>
    public static AccessPrincipal? Reader(this HttpContext context) => context.Items[typeof(AccessPrincipal)] as AccessPrincipal;

    private static string? TokenOf(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : request.Cookies[Cookie];

    private static async Task SignIn(HttpContext context, HttpStatusCode status, string? refusal)
    {
        await using var stream = typeof(PageAccess).Assembly.GetManifestResourceStream("Orion.Silo.PoolPage.login.html")!;
        var html = await new StreamReader(stream).ReadToEndAsync();
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html.Replace("<!--message-->", refusal is null ? "" : $"<p class=\"refused\">{WebUtility.HtmlEncode(refusal)}</p>"));
    }
}
