using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TradeChain.Console.Services;
using TradeChain.Console.Services.Customs.Form;

namespace TradeChain.Console.Components.Declarations.Form;

/// <summary>
/// What the lodge and amend pages share: customs' code lists, the exporter's own documents to attach, who declares,
/// and sending the form — going to the declaration when customs takes it, keeping the form with every error when not.
/// </summary>
public abstract class DeclarationFormPage : ComponentBase
{
    [Inject] protected CustomsApi Customs { get; set; } = default!;

    [Inject] protected DocumentsApi Documents { get; set; } = default!;

    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> Authentication { get; set; } = default!;

    protected CustomsReferenceData? Reference { get; private set; }

    /// <summary>Why the page cannot show the form (the code lists, or the declaration to amend, could not be read).</summary>
    protected ApiProblem? LoadProblem { get; set; }

    protected IReadOnlyList<OwnDocument>? OwnDocuments { get; private set; }

    protected ApiProblem? OwnDocumentsProblem { get; private set; }

    protected string? Declarant { get; private set; }

    protected DeclarationDraft Draft { get; set; } = new();

    protected ApiProblem? Problem { get; set; }

    protected int Attempt { get; private set; }

    /// <summary>Where the form's content came from (a file, a sample), and what the user should know about it.</summary>
    protected LoadedDeclaration? Loaded { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Declarant = (await Authentication).User.PartyOrNull();
        var reference = Customs.GetAsync<CustomsReferenceData>("/reference-data");
        // The documents service lists newest first; a page of its largest size covers what a declarant cites.
        var own = Documents.GetAsync<DocumentPage>("/documents?pageSize=200");
        var codes = await reference;
        Reference = codes.Value;
        LoadProblem ??= codes.Problem;
        var documents = await own;
        OwnDocuments = documents.Value?.Items ?? (documents.Ok ? [] : null);
        OwnDocumentsProblem = documents.Problem;
    }

    /// <summary>Puts a declaration into the form; its notes say what the form could not take as it was.</summary>
    protected void Load(LoadedDeclaration loaded, ApiProblem? problem = null)
    {
        Draft = DeclarationDraft.From(loaded.Request, out var notes);
        Loaded = loaded with { Notes = [.. loaded.Notes, .. notes] };
        Problem = problem;
    }

    /// <summary>Sends the form (or a file); on success goes to the declaration, else keeps everything and shows why.</summary>
    protected async Task SendAsync(Func<Task<(Guid? Id, ApiProblem? Problem)>> send)
    {
        Attempt++;
        var (id, problem) = await send();
        if (id is { } declaration)
        {
            Navigation.NavigateTo($"/declarations/{declaration}");
            return;
        }
        Problem = FormPaths.AtFields(problem);
    }

    protected static (Guid? Id, ApiProblem? Problem) Outcome(ApiResult<DeclarationAccepted> result) => (result.Value?.Id, result.Problem);
}
