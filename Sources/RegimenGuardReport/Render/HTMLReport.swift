/// The report as HTML (to be written).
enum HTMLReport {
    static func render(_ report: Report, context: RenderContext) -> String {
        "regimen-guard report: HTML rendering is not written yet\n"
    }
}
