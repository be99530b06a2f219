using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TradeChain.ServiceDefaults.Auth;

/// <summary>Mints tokens for local runs and tests (the CLI's `token` command and the Development-only /dev/token endpoint).</summary>
public static class DevelopmentTokens
{
    /// <summary>The PUBLIC local development signing key. Never use it outside a local run.</summary>
    public const string DevelopmentSigningKey = "tradechain-local-development-signing-key-public-not-a-secret-0001";

    public static string Mint(AuthOptions options, string subject, string role, string party, TimeSpan lifetime)
    {
        if (!Roles.All.Contains(role)) throw new ArgumentException($"Unknown role '{role}'; expected one of {string.Join(", ", Roles.All)}.", nameof(role));
        if (string.IsNullOrWhiteSpace(party)) throw new ArgumentException("A party is required.", nameof(party));
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(lifetime),
            Subject = new ClaimsIdentity([new Claim(Claims.Subject, subject), new Claim(Claims.Role, role), new Claim(Claims.Party, party)]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
