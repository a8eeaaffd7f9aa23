package launch

// RegisterHandler does nothing on macOS, where deep-link mode is refused
// (ParseWith): macOS hands a clicked link over as an Apple event that
// neither GLFW nor Fyne passes on. Supporting it needs that handler and
// CFBundleURLTypes in the bundle's Info.plist (see README).
func RegisterHandler(string, string) (bool, error) { return false, nil }

// UnregisterHandler does nothing on macOS: nothing was registered.
func UnregisterHandler() (bool, error) { return false, nil }
