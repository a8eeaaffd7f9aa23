package launch

// RegisterHandler does nothing on macOS: the app bundle's Info.plist
// declares the scheme (CFBundleURLTypes, see README), and Launch Services
// registers it when the bundle is installed.
func RegisterHandler(string, string) (bool, error) { return false, nil }

// UnregisterHandler does nothing on macOS: removing the app bundle
// removes its scheme.
func UnregisterHandler() (bool, error) { return false, nil }
