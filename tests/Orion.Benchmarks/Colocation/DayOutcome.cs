namespace Orion.Benchmarks.Colocation;

/// <summary>What a simulated day on some cards delivered.</summary>
public sealed record DayOutcome(
    int Cards,
    bool Placed,
    bool BatchesDone,
    bool TrainingMet,
    double OnlineP99Ms,
    double MeanUtilization,
    double BatchCardHours,
    double TrainingCardHours,
    int Moves,
    double BytesMoved,
    double[] HourlyOnlineLoad,
    double[] HourlyUtilization);
