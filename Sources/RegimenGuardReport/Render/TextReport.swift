/// The report as Text (to be written).
enum TextReport {
    static func render(_ report: Report, context: RenderContext) -> String {
        "regimen-guard report: Text rendering is not written yet\n"
    }
}
