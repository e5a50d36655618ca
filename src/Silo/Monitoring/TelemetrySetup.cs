using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orion.Grains.Telemetry;

namespace Orion.Silo.Monitoring;

/// <summary>OpenTelemetry for the silo: Orion's and Orleans' meters to Prometheus (/metrics), and traces plus metrics over OTLP when an endpoint is set.</summary>
public static class TelemetrySetup
{
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static IServiceCollection AddOrionTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("orion-silo"))
            .WithMetrics(m => m.AddMeter(OrionTelemetry.Name, "Microsoft.Orleans").AddPrometheusExporter());

        // OTLP only when asked for: the setting, or the standard OTEL_EXPORTER_OTLP_ENDPOINT variable.
        var endpoint = configuration["Orion:Telemetry:OtlpEndpoint"];
        var fromEnvironment = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!string.IsNullOrWhiteSpace(endpoint) || fromEnvironment)
        {
            otel.WithTracing(t => t.AddSource(OrionTelemetry.Name).AddSource(OrleansSources));
            if (!string.IsNullOrWhiteSpace(endpoint))
            {
                var protocol = configuration["Orion:Telemetry:OtlpProtocol"] is "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                otel.UseOtlpExporter(protocol, new Uri(endpoint));
            }
            else
            {
                otel.UseOtlpExporter();
            }
        }

        return services;
    }
}
