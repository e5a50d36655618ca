namespace Orion.Benchmarks.Colocation;

/// <summary>
/// Response times of a service as an M/D/1 queue (Poisson arrivals, fixed service time): the waiting-time tail
/// decays as e^(−θt) with θ the root of λ(e^(θS) − 1) = θ, and P(wait &gt; 0) = ρ. Minutes of the day are pooled,
/// each weighted by its requests, and the day's p99 is read from the mixture.
/// </summary>
public sealed class ResponseTimeModel
{
    private readonly List<(double Weight, double ServiceMs, double Rho, double Theta)> parts = [];
    private readonly List<(double Weight, double Ms)> points = [];

    /// <summary>Adds <paramref name="requests"/> requests at <paramref name="rps"/> with service time <paramref name="serviceMs"/>.</summary>
    public void Add(double requests, double rps, double serviceMs)
    {
        if (requests <= 0)
        {
            return;
        }

        var rho = rps * serviceMs / 1000;
        if (rho >= 0.999)
        {
            // Overloaded: the queue grows without bound; count the requests as very slow.
            points.Add((requests, serviceMs * 1000));
            return;
        }

        parts.Add((requests, serviceMs, rho, Theta(rps / 1000, serviceMs)));
    }

    /// <summary>Adds single requests with a known response time (the first after a memory move, say).</summary>
    public void AddPoint(double requests, double ms) => points.Add((requests, ms));

    public double Requests => parts.Sum(p => p.Weight) + points.Sum(p => p.Weight);

    /// <summary>The response time that <paramref name="q"/> of all requests meet.</summary>
    public double Quantile(double q)
    {
        var total = Requests;
        if (total == 0)
        {
            return 0;
        }

        double Exceed(double ms) =>
            parts.Sum(p => p.Weight * (ms < p.ServiceMs ? 1 : p.Rho * Math.Exp(-p.Theta * (ms - p.ServiceMs))))
            + points.Sum(p => ms < p.Ms ? p.Weight : 0);

        double lo = 0, hi = 1;
        while (Exceed(hi) > (1 - q) * total)
        {
            hi *= 2;
        }

        for (var i = 0; i < 100; i++)
        {
            var mid = (lo + hi) / 2;
            if (Exceed(mid) > (1 - q) * total)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }

    // Decay rate of the M/D/1 waiting-time tail, per ms: λ(e^(θS) − 1) = θ, by bisection.
    private static double Theta(double lambdaPerMs, double serviceMs)
    {
        if (lambdaPerMs <= 0)
        {
            return double.PositiveInfinity;
        }

        double lo = 1e-12, hi = 50 / serviceMs;
        for (var i = 0; i < 200; i++)
        {
            var mid = (lo + hi) / 2;
            if (lambdaPerMs * (Math.Exp(mid * serviceMs) - 1) < mid)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
