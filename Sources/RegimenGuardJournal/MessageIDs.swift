/// Journal `MESSAGE_ID`s of the service's own events: one per kind of event, never per order. Per-rule ids come
/// from the policy (`RuleSummary.messageID`). The catalog (`Packaging/regimen-guard.catalog`) explains each one.
public enum MessageIDs {
    public static let orderVerdict = "408d9aae5cb44854861f8318c368e17e"
    public static let orderInvalid = "3275db35b2094a51867404e5e5c1fed0"
    public static let entryQuarantined = "89bd20b8ba344afeaff3985c613490bd"
    public static let serviceFault = "ed2911b35c28484b8a9b2d05960b1e36"
    public static let policyLoaded = "a6fd7d70dfcc4d6ea3df47a4b25d302b"
    public static let policyReloadFailed = "be01e0d49f684e9c9f15d08892ffee1b"
    public static let serviceStarted = "002083c98aaf40b795bacb7426e615d1"
    public static let serviceStopping = "00291e544d17496bb851ec6e189bf35f"
    public static let rescan = "4f73325df9404d37807f2628eeec0bc0"
}
