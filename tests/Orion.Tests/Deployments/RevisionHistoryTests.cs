using Orion.Contracts;
using Orion.Grains.Deployments;

namespace Orion.Tests.Deployments;

public sealed class RevisionHistoryTests
{
    private static DeploymentRevision Rev(int n) => new(n, Specs.Batch(items: n), DateTimeOffset.UnixEpoch.AddMinutes(n));

    private static List<DeploymentRevision> Upto(int n)
    {
        var history = new List<DeploymentRevision>();
        for (var i = 1; i <= n; i++)
        {
            history = RevisionHistory.Append(history, Rev(i));
        }

        return history;
    }

    [Fact]
    public void The_last_ten_revisions_are_kept_the_current_one_last()
    {
        Assert.Equal([1, 2, 3], Upto(3).Select(r => r.Revision));
        Assert.Equal(Enumerable.Range(6, 10), Upto(15).Select(r => r.Revision));
    }

    [Fact]
    public void Without_a_revision_named_the_roll_back_goes_to_the_one_before_the_current()
    {
        Assert.Equal(Rev(14).Template, RevisionHistory.Target(15, Upto(15), previous: null, to: null).Template);

        // A deployment created before revisions were kept has only the one before.
        var legacy = Specs.Batch(items: 99);
        Assert.Equal(legacy, RevisionHistory.Target(4, [], legacy, to: null).Template);

        var (none, errors) = RevisionHistory.Target(1, Upto(1), previous: null, to: null);
        Assert.Null(none);
        Assert.Equal(new ValidationError("revision", "is 1, the deployment's first template: there is none to roll back to"), Assert.Single(errors));
    }

    [Fact]
    public void A_revision_named_must_be_an_earlier_one_still_kept()
    {
        Assert.Equal(Rev(6).Template, RevisionHistory.Target(15, Upto(15), null, to: 6).Template);
        Assert.Equal(Rev(1).Template, RevisionHistory.Target(3, Upto(3), null, to: 1).Template);

        ValidationError Refusal(int current, int to) => Assert.Single(RevisionHistory.Target(current, Upto(current), null, to).Errors);
        Assert.Equal(new ValidationError("toRevision", "must be an earlier revision, 1 to 14, not 15 (the current one is 15)"), Refusal(15, 15));
        Assert.Equal(new ValidationError("toRevision", "must be an earlier revision, 1 to 14, not 0 (the current one is 15)"), Refusal(15, 0));
        Assert.Equal(new ValidationError("toRevision", "is 1, but the deployment has had one template (revision 1): there is none to roll back to"), Refusal(1, 1));
        Assert.Equal(
            new ValidationError("toRevision", "is 5, which is no longer kept: the deployment keeps its last 10 revisions (6, 7, 8, 9, 10, 11, 12, 13, 14, 15)"),
            Refusal(15, 5));
    }
}
