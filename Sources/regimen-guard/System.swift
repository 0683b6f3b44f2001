import Foundation

enum System {
    static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

enum ProcessInfoEnvironment {
    static var current: [String: String] { ProcessInfo.processInfo.environment }
}
