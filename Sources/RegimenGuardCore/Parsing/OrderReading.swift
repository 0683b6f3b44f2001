extension Validator {
    /// Reads and decodes an order file without evaluating any rule: the order exactly as the rules see it (drugs
    /// resolved, observations in canonical units), or the errors that make it invalid. For tests, tools and other
    /// readers that need the model rather than a verdict.
    public func readOrder(bytes: [UInt8], fileName: String) -> Result<Order, OrderErrors> {
        switch read(bytes: bytes, fileName: fileName) {
        case .success(let read): .success(read.decoded.order)
        case .failure(let failure): .failure(OrderErrors(failure.errors))
        }
    }
}
