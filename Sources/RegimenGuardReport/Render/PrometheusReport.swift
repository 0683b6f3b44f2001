/// The report as Prometheus (to be written).
enum PrometheusReport {
    static func render(_ report: Report, context: RenderContext) -> String {
        "regimen-guard report: Prometheus rendering is not written yet\n"
    }
}
