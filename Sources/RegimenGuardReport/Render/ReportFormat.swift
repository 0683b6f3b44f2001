/// The report's output formats.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// A readable table for a terminal.
    case text
    /// The documented, stable document of `Schemas/report.schema.json`.
    case json
    /// Prometheus text exposition format, for node_exporter's textfile collector.
    case prometheus
    /// One self-contained HTML page (tables and inline SVG; no scripts, fonts or images from elsewhere).
    case html
}

/// What rendering needs besides the figures: the time the report was made and how to write a time.
public struct RenderContext: Sendable {
    /// When the report was made (µs since the epoch).
    public var generatedAt: UInt64
    /// A time as ISO 8601 with the reporter's UTC offset (`2026-12-01T14:03:00+01:00`).
    public var formatTime: @Sendable (UInt64) -> String

    public init(generatedAt: UInt64, formatTime: @escaping @Sendable (UInt64) -> String) {
        self.generatedAt = generatedAt
        self.formatTime = formatTime
    }
}

extension Report {
    /// The report in `format`.
    public func rendered(as format: ReportFormat, context: RenderContext) -> String {
        switch format {
        case .text: TextReport.render(self, context: context)
        case .json: JSONReport.render(self, context: context)
        case .prometheus: PrometheusReport.render(self, context: context)
        case .html: HTMLReport.render(self, context: context)
        }
    }
}
