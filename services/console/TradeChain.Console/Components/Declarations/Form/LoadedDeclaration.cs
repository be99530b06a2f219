using TradeChain.Console.Services.Customs.Form;

namespace TradeChain.Console.Components.Declarations.Form;

/// <summary>A declaration to put into the form: from where, and what the user should know about it.</summary>
public sealed record LoadedDeclaration(DeclarationRequest Request, string Source, IReadOnlyList<string> Notes);

/// <summary>An uploaded declaration file: its text as sent, and how the form reads it (null when it cannot).</summary>
public sealed record DeclarationUpload(string FileName, string Text, DeclarationRequest? Parsed);
