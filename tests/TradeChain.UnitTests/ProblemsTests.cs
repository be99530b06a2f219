using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TradeChain.Domain;
using TradeChain.ServiceDefaults;

namespace TradeChain.UnitTests;

/// <summary>The one error-mapping path: a rule broken anywhere in a domain reaches the client as the same problem.</summary>
public class ProblemsTests
{
    [Fact]
    public async Task A_broken_rule_thrown_by_an_aggregate_is_a_409_naming_the_rule_with_the_rule_problem_type()
    {
        await using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new ProblemExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<ProblemExceptionHandler>.Instance);

        Assert.True(await handler.TryHandleAsync(context, new DomainRuleViolation("settle-once", "Payment DUTY-1 was already settled."), CancellationToken.None));

        context.Response.Body.Position = 0;
        var problem = JsonNode.Parse(context.Response.Body)!;
        Assert.Equal(StatusCodes.Status409Conflict, context.Response.StatusCode);
        Assert.Equal(("settle-once", Problems.RuleType, "Payment DUTY-1 was already settled."),
            (problem["rule"]!.GetValue<string>(), problem["type"]!.GetValue<string>(), problem["detail"]!.GetValue<string>()));
    }
}
