namespace Orion.Contracts;

/// <summary>The class of a task's priority. A higher class always wins over a lower one on a card.</summary>
[GenerateSerializer, Alias("orion.PriorityClass")]
public enum PriorityClass
{
    /// <summary>Offline batch work: runs when the card is not wanted by anything above it.</summary>
    Offline = 0,

    /// <summary>Training jobs: above offline batch, below online inference.</summary>
    Training = 1,

    /// <summary>Latency-critical online inference.</summary>
    Online = 2,
}
