package text

// SystemGeneric reports a failure of the server, not of the user's input; the context carries reason.
func SystemGeneric(reason string) Message {
	return failure(ErrorSystemGeneric, reason).withContext(map[string]any{"reason": reason})
}
