using Orion.Contracts;

namespace Orion.Tests.Metrics;

public sealed class ScaleMetricTests
{
    [Theory]
    [InlineData("vllm:num_requests_waiting", "vllm:num_requests_waiting", false, 0)]
    [InlineData(" tgi_queue_size ", "tgi_queue_size", false, 0)]
    [InlineData("rate(vllm:request_success_total)", "vllm:request_success_total", true, 0)]
    [InlineData("rate( x_total{code=\"200\"} )", "x_total", true, 1)]
    [InlineData("x{a=\"1\", b = \"2\",}", "x", false, 2)]
    [InlineData("x{}", "x", false, 0)]
    public void A_query_is_a_name_with_optional_matchers_optionally_in_rate(string query, string name, bool rate, int labels)
    {
        var selector = MetricSelector.Parse(query);
        Assert.NotNull(selector);
        Assert.Equal(name, selector.Name);
        Assert.Equal(rate, selector.Rate);
        Assert.Equal(labels, selector.Labels.Count);
        Assert.Equal(selector.ToString(), MetricSelector.Parse(selector.ToString())!.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("9x")]
    [InlineData("x-y")]
    [InlineData("x{a=1}")]
    [InlineData("x{a=\"1\"")]
    [InlineData("x{a=\"1\"} y")]
    [InlineData("x{1a=\"1\"}")]
    [InlineData("x{a:b=\"1\"}")]
    [InlineData("rate(x")]
    [InlineData("sum(x)")]
    public void A_query_that_is_not_one_is_refused(string query) => Assert.Null(MetricSelector.Parse(query));

    [Fact]
    public void Matchers_compare_whole_values_and_ignore_other_labels()
    {
        var selector = MetricSelector.Parse("x{model=\"llama\"}")!;
        Assert.True(selector.Matches("x", new Dictionary<string, string> { ["model"] = "llama", ["gpu"] = "0" }));
        Assert.False(selector.Matches("x", new Dictionary<string, string> { ["model"] = "llama-2" }));
        Assert.False(selector.Matches("x", new Dictionary<string, string>()));
        Assert.False(selector.Matches("y", new Dictionary<string, string> { ["model"] = "llama" }));
        Assert.Equal("rate(x{a=\"q\\\"\",b=\"2\"})", MetricSelector.Parse("rate(x{b=\"2\",a=\"q\\\"\"})")!.ToString());
    }

    [Fact]
    public void The_page_is_a_port_and_a_path_that_defaults_to_metrics()
    {
        Assert.Equal((8000, "/metrics"), ScaleMetric.ParseEndpoint(":8000"));
        Assert.Equal((8000, "/stats/prometheus"), ScaleMetric.ParseEndpoint(" :8000/stats/prometheus "));
        Assert.Null(ScaleMetric.ParseEndpoint(":70000"));
        Assert.Null(ScaleMetric.ParseEndpoint("8000"));
        Assert.Null(ScaleMetric.ParseEndpoint("curl localhost"));
        Assert.Equal("vllm:num_requests_waiting at 5 per replica (GET :8000/metrics)", new ScaleMetric("vllm:num_requests_waiting", 5, 8000).ToString());
    }

    [Fact]
    public void Each_broken_rule_names_its_field()
    {
        Assert.Empty(new ScaleMetric("x", 0.5, 1).Check("autoscale.metric"));
        Assert.Equal(
            ["autoscale.metric.query", "autoscale.metric.target", "autoscale.metric.port", "autoscale.metric.path"],
            new ScaleMetric("x y", 0, 0, "metrics").Check("autoscale.metric").Select(e => e.Field));
        Assert.Equal(["m.target"], new ScaleMetric("x", double.NaN, 80).Check("m").Select(e => e.Field));
        Assert.Equal(["m.target"], new ScaleMetric("x", 2e9, 80).Check("m").Select(e => e.Field));
        Assert.Equal(["m.path"], new ScaleMetric("x", 1, 80, "/a b").Check("m").Select(e => e.Field));
    }

    [Fact]
    public void A_deployment_scaling_on_a_metric_may_be_of_any_class_and_its_metric_is_checked()
    {
        var batch = Specs.Batch();
        Assert.Empty(DeploymentRules.CheckAutoscale(new AutoscaleSpec(1, 4, Metric: new ScaleMetric("queue_depth", 10, 9100)), batch));
        Assert.Equal(["template.priority"], DeploymentRules.CheckAutoscale(new AutoscaleSpec(1, 4), batch).Select(e => e.Field));
        Assert.Equal(["autoscale.metric.target"], DeploymentRules.CheckAutoscale(new AutoscaleSpec(1, 4, Metric: new ScaleMetric("queue_depth", -1, 9100)), batch).Select(e => e.Field));
    }
}
