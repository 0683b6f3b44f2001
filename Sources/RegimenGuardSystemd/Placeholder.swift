public enum RegimenGuardSystemdPlaceholder {}
