; The Windows installer of Magiclink: a per-user install (no administrator
; rights) into %LOCALAPPDATA%\Programs\Magiclink with a Start menu entry and
; an entry in Settings > Apps that uninstalls it. scripts/windows/build.sh
; runs makensis on it with VERSION, WINVER, SRCDIR, ICON, SIDE and OUTFILE
; defined.
;
; Silent use: setup.exe /S [/D=C:\path]   uninstall.exe /S

; The app is 64-bit only, and so is its installer.
Target amd64-unicode
RequestExecutionLevel user
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define APP "Magiclink"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Magiclink"

!ifdef SIGN
	; Release builds sign the uninstaller as it is written, and the installer.
	!uninstfinalize '"${SIGN}" "%1"'
	!finalize '"${SIGN}" "%1"'
!endif

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Magiclink"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP} ${VERSION}"

VIProductVersion "${WINVER}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} ${VERSION} setup"
VIAddVersionKey "LegalCopyright" "The Magiclink authors"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_WELCOMEFINISHPAGE_BITMAP "${SIDE}"
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "${SIDE}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\magiclink.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP}"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "Magiclink"
	SetOutPath "$INSTDIR"
	File "${SRCDIR}\magiclink.exe"
	File "${SRCDIR}\README.txt"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\magiclink.exe" "" "$INSTDIR\magiclink.exe" 0

	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\magiclink.exe"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "The Magiclink authors"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
	; Sign out first, so no session is left valid at Stytch or in Credential
	; Manager, then stop handling magiclink:// links. Both run in the install
	; folder, like a double-click, so they read the same .env, and with
	; MAGICLINK_NO_DIALOG=1, so an error is an exit status, not a message box.
	; --reset exits 3 while Magiclink is running for the project: a running
	; magiclink.exe could not be deleted anyway, so the user is asked to quit
	; it; a silent uninstall stops there with nothing removed.
	System::Call 'kernel32::SetEnvironmentVariable(t "MAGICLINK_NO_DIALOG", t "1")'
	SetOutPath "$INSTDIR"
reset:
	ExecWait '"$INSTDIR\magiclink.exe" --reset' $0
	${If} $0 == 3
		MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "Magiclink is running. Quit it (Ctrl+Q), then choose Retry." /SD IDCANCEL IDRETRY reset
		SetErrorLevel 3
		Abort "Magiclink is running: quit it, then uninstall again."
	${EndIf}
	ExecWait '"$INSTDIR\magiclink.exe" --unregister'
	SetOutPath "$TEMP"
	Delete "$INSTDIR\magiclink.exe"
	Delete "$INSTDIR\README.txt"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\${APP}.lnk"
	DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
