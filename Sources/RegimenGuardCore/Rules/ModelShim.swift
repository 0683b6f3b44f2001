// Temporary, until branch `model` (ORDERS.md v2 inputs) is merged: these fields read as absent, which is v1
// behaviour. Delete this file at the merge; the model's real fields replace it.
extension MedicationItem {
    var setting: DiseaseSetting? { nil }
}

extension Patient {
    var metastaticSince: Day? { nil }
}
