/// Journal `MESSAGE_ID`s of the CDS Hooks service: one per kind of entry (Packaging/regimen-guard.catalog explains
/// each). Policy reloads reuse the spool's ids (`MessageIDs.policyLoaded`, `.policyReloadFailed`).
public enum CDSMessageIDs {
    /// One per hook call: hook, hook instance, user, decision, card count, duration, HTTP status.
    public static let request = "8cd6862d860042f6946d8c774387aeea"
    /// One per card returned: card uuid, rule, indicator, hook instance, finding fingerprint.
    public static let card = "e63934ea4b7c415fa73914988af03e51"
    /// One per feedback item: card uuid, outcome, override reason code, whether a comment was given.
    public static let feedback = "8924b8be756b4f91990abc2b88cd8d9f"
    /// A call refused with 401: the reason (never the token).
    public static let authFailure = "5acd265684414d4fb099a78f3563fe3a"
    /// The service started listening (address, auth mode, policy, issuers).
    public static let started = "dd9f918dd56c492aa553e03fdf35118a"
    /// Running without authentication (loopback only), logged at every start.
    public static let authDisabled = "75ec299fe30c4c9a881556ebdcd1245f"
    /// An issuer's JWKS file could not be read on reload; its last good keys stay in use.
    public static let keysReloadFailed = "5e4d5fc8491f4e6d8eddd89fc216b95f"
}
