public enum RegimenGuardServicePlaceholder {}
