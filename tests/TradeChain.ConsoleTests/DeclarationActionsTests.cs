using System.Security.Claims;
using TradeChain.Console.Services.Customs;
using TradeChain.ServiceDefaults.Auth;
using static TradeChain.Console.Services.Customs.DeclarationAction;

namespace TradeChain.ConsoleTests;

/// <summary>The declaration page offers what customs would accept (Domain/Declaration.cs), and the queue's filters survive the address.</summary>
public sealed class DeclarationActionsTests
{
    private static readonly ClaimsPrincipal Tran = User(Roles.CustomsOfficer, "tran", "CUS-VNSGN");
    private static readonly ClaimsPrincipal Exporter = User(Roles.Exporter, "lan", "EXP-MEKONG-RUBBER");

    [Theory]
    [InlineData("Assessed", "Yellow", null, new[] { Assign, Reroute, Reject })]
    [InlineData("Paid", "Yellow", null, new[] { Assign, Reroute, Reject })]
    [InlineData("Paid", "Yellow", "tran@CUS-VNSGN", new[] { Assign, Reroute, Reject })] // assigned before payment: assigning again starts the check
    [InlineData("UnderDocumentaryCheck", "Yellow", "tran@CUS-VNSGN", new[] { RequestDocuments, DocumentaryCheck, Reroute, Reject })]
    [InlineData("UnderDocumentaryCheck", "Yellow", "le@CUS-VNSGN", new[] { Reject })] // a colleague's check: not taken over, not re-routed
    [InlineData("AwaitingDocuments", "Yellow", "tran@CUS-VNSGN", new[] { Reject })]
    [InlineData("UnderExamination", "Red", "tran@CUS-VNSGN", new[] { Examination, Reroute, Reject })]
    [InlineData("AwaitingSupplementaryPayment", "Red", "tran@CUS-VNSGN", new[] { Reject })]
    [InlineData("ReadyForRelease", "Red", "tran@CUS-VNSGN", new[] { Release, Reject })]
    [InlineData("ReadyForRelease", "Red", "le@CUS-VNSGN", new[] { Assign, Reject })]
    [InlineData("Released", "Green", null, new[] { ConfirmExit })]
    [InlineData("Cancelled", "Green", null, new DeclarationAction[0])]
    public void An_officer_is_offered_what_customs_allows_in_the_state(string status, string lane, string? assigned, DeclarationAction[] expected) =>
        Assert.Equal(expected, DeclarationActions.Allowed(Declaration(status, lane, assigned), Tran));

    [Theory]
    [InlineData("Registered", new[] { Amend, Cancel })]
    [InlineData("Assessed", new[] { Amend, Cancel })]
    [InlineData("Paid", new[] { Cancel })]
    [InlineData("AwaitingDocuments", new[] { AnswerRequest, Cancel })]
    [InlineData("Released", new DeclarationAction[0])]
    public void A_declarant_may_amend_before_payment_answer_a_request_and_cancel_before_release(string status, DeclarationAction[] expected) =>
        Assert.Equal(expected, DeclarationActions.Allowed(Declaration(status, "Yellow", null), Exporter));

    [Fact]
    public void The_queue_filters_go_into_the_address_and_come_back_the_same()
    {
        var filter = DeclarationFilter.Parse("Paid", "Yellow", "vnsgn", "2026-11-23", "2026-11-29", "me", 2, 50);
        Assert.Equal("?status=Paid&lane=Yellow&office=VNSGN&from=2026-11-23&to=2026-11-29&assignedTo=me&page=2&pageSize=50", filter.Query());
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(filter.Query());
        Assert.Equal(filter, DeclarationFilter.Parse(query["status"], query["lane"], query["office"], query["from"], query["to"], query["assignedTo"],
            int.Parse(query["page"]!), int.Parse(query["pageSize"]!)));
        Assert.Equal("", new DeclarationFilter().Query());
        Assert.Equal("/declarations?page=1&pageSize=25", new DeclarationFilter().ApiPath());
        Assert.Equal(DeclarationFilter.MaxPageSize, DeclarationFilter.Parse(null, null, null, "not a date", null, null, 0, 10_000).PageSize);
    }

    private static ClaimsPrincipal User(string role, string subject, string party) =>
        new(new ClaimsIdentity([new Claim(Claims.Subject, subject), new Claim(Claims.Party, party), new Claim(Claims.Role, role)], "test", Claims.Subject, Claims.Role));

    private static Declaration Declaration(string status, string lane, string? assigned)
    {
        var party = new Party("ACME", "VN0312345678", "VN");
        var content = new DeclarationContent("export", new DateOnly(2026, 11, 25), "VNSGN", "FOB", party, party, new Consignment(1, "MAERSK", [], "VNSGN", "DEHAM"), [], []);
        return new Declaration(Guid.NewGuid(), "LRN-1", "EXP-MEKONG-RUBBER", "export", "original", "VNSGN", status, null, null, lane, null, null, null, null, 0, null, 0,
            assigned, [], null, 1, content, [], 0, 0, []);
    }
}
