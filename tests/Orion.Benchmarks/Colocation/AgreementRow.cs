namespace Orion.Benchmarks.Colocation;

/// <summary>One quantity measured by both the model and the grain run.</summary>
/// <param name="Quantity">What is compared.</param>
/// <param name="Model">The minute-step model's value.</param>
/// <param name="Grains">The value read from the grains and the simulated GPUs.</param>
/// <param name="Difference">Grains minus model.</param>
/// <param name="Tolerance">The largest difference still called agreement.</param>
/// <param name="Within">Whether the difference is within the tolerance.</param>
public sealed record AgreementRow(string Quantity, double Model, double Grains, double Difference, double Tolerance, bool Within);
