using System.Text;

namespace TradeChain.Console.Services.Documents;

/// <summary>
/// What a form can learn from a schema's "pattern" (an ECMAScript regular expression): the longest text it can match
/// (to bound the input) and the same expression in a form the browser's pattern attribute accepts.
/// </summary>
public static class SchemaPattern
{
    /// <summary>
    /// The longest string the pattern matches, or null when it is unbounded (*, +, {n,}) or uses syntax this reader does
    /// not follow. Understands literals, escapes, character classes, groups, alternation and the quantifiers ?, {n}, {n,m}.
    /// </summary>
    public static int? MaxLength(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        var position = 0;
        var length = Sequence(pattern, ref position);
        return position == pattern.Length ? length : null;
    }

    // sequence := (atom quantifier?)* ('|' sequence)*
    private static int? Sequence(string p, ref int i)
    {
        int? best = 0;
        int? current = 0;
        while (i < p.Length && p[i] != ')')
        {
            if (p[i] == '|')
            {
                best = Max(best, current);
                current = 0;
                i++;
                continue;
            }
            int? atom;
            switch (p[i])
            {
                case '^' or '$':
                    i++;
                    continue;
                case '(':
                    i++;
                    if (i + 1 < p.Length && p[i] == '?' && p[i + 1] == ':') i += 2;
                    atom = Sequence(p, ref i);
                    if (i >= p.Length || p[i] != ')') return null;
                    i++;
                    break;
                case '[':
                    if (!SkipClass(p, ref i)) return null;
                    atom = 1;
                    break;
                case '\\':
                    if (i + 1 >= p.Length) return null;
                    i += 2;
                    atom = 1;
                    break;
                case '*' or '+' or '?' or '{':
                    return null; // a quantifier with nothing to quantify
                default:
                    i++;
                    atom = 1;
                    break;
            }
            var times = Quantifier(p, ref i, out var known);
            if (!known) return null;
            current = atom is null || times is null ? null : current + atom * times;
        }
        return Max(best, current);
    }

    /// <summary>The most repetitions a quantifier allows (1 when there is none); null when unbounded.</summary>
    private static int? Quantifier(string p, ref int i, out bool known)
    {
        known = true;
        if (i >= p.Length) return 1;
        switch (p[i])
        {
            case '?':
                i++;
                return 1;
            case '*' or '+':
                i++;
                return null;
            case '{':
                var close = p.IndexOf('}', i);
                if (close < 0) { known = false; return null; }
                var inside = p[(i + 1)..close].Split(',');
                i = close + 1;
                if (inside.Length == 1 && int.TryParse(inside[0], out var exactly)) return exactly;
                if (inside.Length == 2 && int.TryParse(inside[1], out var most)) return most;
                if (inside.Length == 2 && inside[1].Length == 0) return null;
                known = false;
                return null;
            default:
                return 1;
        }
    }

    private static bool SkipClass(string p, ref int i)
    {
        i++;
        while (i < p.Length && p[i] != ']') i += p[i] == '\\' ? 2 : 1;
        if (i >= p.Length) return false;
        i++;
        return true;
    }

    private static int? Max(int? a, int? b) => a is null || b is null ? null : Math.Max(a.Value, b.Value);

    /// <summary>
    /// The pattern as an HTML pattern attribute: browsers compile it with the "v" flag, where a literal '-', '/', '(', ')',
    /// '{', '}', '|' or '[' inside a character class must be escaped, so "[A-Za-z0-9/._-]" becomes "[A-Za-z0-9\/._\-]".
    /// </summary>
    public static string? ForHtml(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        var result = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        var classStart = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }
            if (!inClass)
            {
                if (c == '[')
                {
                    inClass = true;
                    classStart = result.Length + 1;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^') { result.Append("[^"); i++; classStart++; continue; }
                }
                result.Append(c);
                continue;
            }
            if (c == ']') { inClass = false; result.Append(c); continue; }
            var isRange = c == '-' && result.Length > classStart && i + 1 < pattern.Length && pattern[i + 1] != ']';
            if (!isRange && c is '-' or '/' or '(' or ')' or '{' or '}' or '|' or '[') result.Append('\\');
            result.Append(c);
        }
        return result.ToString();
    }
}
