module github.com/magiclink/magiclink

go 1.26.8

require (
	github.com/stytchauth/stytch-go/v16 v16.41.0
	github.com/zalando/go-keyring v0.2.8
)

require (
	fyne.io/fyne/v2 v2.8.1 // indirect
	github.com/MicahParks/keyfunc/v2 v2.0.1 // indirect
	github.com/danieljoos/wincred v1.2.3 // indirect
	github.com/godbus/dbus/v5 v5.2.2 // indirect
	github.com/golang-jwt/jwt/v5 v5.2.2 // indirect
	github.com/mitchellh/mapstructure v1.5.0 // indirect
	github.com/pkg/browser v0.0.0-20240102092130-5ac0b6a4141c // indirect
	golang.org/x/sys v0.30.0 // indirect
)
