/// The report as JSON (to be written).
enum JSONReport {
    static func render(_ report: Report, context: RenderContext) -> String {
        "regimen-guard report: JSON rendering is not written yet\n"
    }
}
