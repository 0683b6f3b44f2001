/// The native JSON order (ORDERS.md section 2): the tree is the JSON document itself, and errors are reported by
/// JSON path (syntax errors by line and column).
public struct JSONOrderFormat: OrderFormat {
    public init() {}

    public var name: String { "json" }

    public func recognizes(fileName: String, content: ArraySlice<UInt8>) -> Bool {
        fileName.hasSuffixIgnoringCase(".json")
    }

    public func read(_ bytes: ArraySlice<UInt8>) -> Result<any OrderDocument, OrderErrors> {
        do {
            return .success(Document(tree: try JSONReader.parse(Array(bytes))))
        } catch {
            return .failure(
                OrderErrors([
                    OrderError(
                        path: "line \(error.line), column \(error.column)",
                        message: "invalid JSON: \(error.message)"
                    )
                ])
            )
        }
    }

    struct Document: OrderDocument {
        var tree: JSONNode
    }
}
