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
        var (status, problem) = await HandleAsync(new DomainRuleViolation("settle-once", "Payment DUTY-1 was already settled."));

        Assert.Equal(StatusCodes.Status409Conflict, status);
        Assert.Equal(("settle-once", Problems.RuleType, "Payment DUTY-1 was already settled."),
            (problem["rule"]!.GetValue<string>(), problem["type"]!.GetValue<string>(), problem["detail"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("ERC20InsufficientBalance: account 0x01 holds 5, 10 are needed", "contract:ERC20InsufficientBalance")]
    [InlineData("DuplicateReference", "contract:DuplicateReference")]
    [InlineData("transaction 0xabc reverted", "contract:reverted")] // a revert naming no error
    public async Task A_contracts_refusal_is_a_409_whose_rule_names_the_contracts_error_as_contract_colon_name(string error, string rule)
    {
        var (status, problem) = await HandleAsync(new TradeChain.Ledger.ChainRevertedException("bankTransfer", error));

        Assert.Equal(StatusCodes.Status409Conflict, status);
        Assert.Equal((rule, error), (problem["rule"]!.GetValue<string>(), problem["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_unreadable_body_is_a_400_problem_naming_the_field_where_reading_stopped()
    {
        var json = new System.Text.Json.JsonException("The JSON value could not be converted to System.Int32.", "$.items[0].quantity", 0, 10);

        var (status, problem) = await HandleAsync(new BadHttpRequestException("Failed to read parameter", json));

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal("readable-json", problem["rule"]!.GetValue<string>());
        Assert.Contains("could not be converted", problem["errors"]!["items[0].quantity"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Nullable<int> page", "abc", "page", "page must be a whole number; \"abc\" is not.")] // as .NET 10 names an int?
    [InlineData("int? page", "abc", "page", "page must be a whole number; \"abc\" is not.")]
    [InlineData("Nullable<int> afterVersion", "99999999999", "afterVersion", "afterVersion must be a whole number no larger than 2147483647; \"99999999999\" is out of range.")] // a whole number, too large for its type
    [InlineData("int page", "-2147483649", "page", "page must be a whole number no smaller than -2147483648; \"-2147483649\" is out of range.")]
    [InlineData("long? since", "99999999999999999999", "since", "since must be a whole number no larger than 9223372036854775807; \"99999999999999999999\" is out of range.")]
    [InlineData("long? since", "soon", "since", "since must be a whole number; \"soon\" is not.")]
    [InlineData("Guid id", "not-a-guid", "id", "id must be a UUID")]
    [InlineData("int pageSize", "", "pageSize", "pageSize must be a whole number; \"\" is not.")]
    public async Task A_query_or_route_value_not_of_its_type_is_a_400_naming_the_parameter_and_what_it_must_be(string parameter, string value, string name, string detail)
    {
        // As ASP.NET Core's request delegate throws it (RouteHandlerOptions.ThrowOnBadRequest).
        var (status, problem) = await HandleAsync(new BadHttpRequestException($"Failed to bind parameter \"{parameter}\" from \"{value}\"."));

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal(("readable-parameter", Problems.UnreadableType), (problem["rule"]!.GetValue<string>(), problem["type"]!.GetValue<string>()));
        Assert.StartsWith(detail, problem["errors"]![name]![0]!.GetValue<string>());
        Assert.Null(problem["errors"]!["body"]);
    }

    [Fact]
    public async Task A_required_query_value_missing_is_a_400_naming_the_parameter()
    {
        var (status, problem) = await HandleAsync(new BadHttpRequestException("Required parameter \"int limit\" was not provided from query string."));

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal("limit is required: a whole number.", problem["errors"]!["limit"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_value_not_of_its_type_is_repeated_without_control_or_format_characters_or_half_a_surrogate_pair()
    {
        var (_, problem) = await HandleAsync(new BadHttpRequestException("Failed to bind parameter \"Nullable<int> page\" from \"1\n2\u202e3\u001b4\u20285\"."));
        Assert.Equal("page must be a whole number; \"1?2?3?4?5\" is not.", problem["detail"]!.GetValue<string>());

        var (_, cut) = await HandleAsync(new BadHttpRequestException($"Failed to bind parameter \"Nullable<int> page\" from \"{new string('9', 63)}\U0001F600\"."));
        Assert.Equal($"page must be a whole number; \"{new string('9', 63)}…\" is not.", cut["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_body_is_not_taken_for_a_parameter_and_no_internal_type_is_named()
    {
        var (_, body) = await HandleAsync(new BadHttpRequestException("Required parameter \"BookingRequest r\" was not provided from body."));
        Assert.Equal("readable-json", body["rule"]!.GetValue<string>());

        var (_, other) = await HandleAsync(new BadHttpRequestException("Failed to bind parameter \"Nullable<DutyPaymentStatus> status\" from \"paid-ish\"."));
        Assert.Equal("status must be a valid value; \"paid-ish\" is not.", other["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_long_value_not_of_its_type_is_repeated_at_most_64_characters_long()
    {
        var (_, problem) = await HandleAsync(new BadHttpRequestException($"Failed to bind parameter \"int? page\" from \"{new string('9', 5000)}\"."));

        Assert.Equal($"page must be a whole number; \"{new string('9', 64)}…\" is not.", problem["detail"]!.GetValue<string>());
    }

    /// <summary>The status and problem document the one exception handler answers <paramref name="exception"/> with.</summary>
    [Fact]
    public async Task A_database_at_capacity_is_a_503_to_retry_and_any_other_database_failure_stays_a_500()
    {
        var (status, problem) = await HandleAsync(new InvalidOperationException("wrapped", new StoreFailure(transient: true)));
        Assert.Equal(503, status);
        Assert.Equal("dependency-unavailable", problem["rule"]!.GetValue<string>());
        var (other, _) = await HandleAsync(new StoreFailure(transient: false));
        Assert.Equal(500, other);
    }

    [Fact]
    public async Task A_step_whose_outcome_on_chain_could_not_be_read_is_a_503_to_retry_not_a_refusal()
    {
        // A batched deposit whose item the receipt does not account for: the retry finds it made or makes it.
        var (status, problem) = await HandleAsync(new TradeChain.Ledger.ChainOutcomeUnknownException("mint", "transaction 0xabc has no event for reference 0x01"));
        Assert.Equal(503, status);
        Assert.Equal("chain-outcome-unknown", problem["rule"]!.GetValue<string>());
    }

    /// <summary>A provider's failure as a provider reports it (PostgreSQL's 53300 too_many_connections is transient).</summary>
    private sealed class StoreFailure(bool transient) : System.Data.Common.DbException("store failure")
    {
        public override bool IsTransient => transient;
    }

    private static async Task<(int Status, JsonNode Problem)> HandleAsync(Exception exception)
    {
        await using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new ProblemExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<ProblemExceptionHandler>.Instance);

        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));

        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, JsonNode.Parse(context.Response.Body)!);
    }
}
