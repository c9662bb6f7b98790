; Inno Setup script for Desktop Search: a per-user install (no administrator rights),
; a Start menu entry, optional start at sign-in, and an uninstaller.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\desktop-search.iss
;
; Built by packaging\windows\build.ps1 from PyInstaller's folder build\dist\desktop-search.
; The index, settings and logs live in %LOCALAPPDATA%\desktop-search and are kept on
; uninstall (a reinstall finds the index as it was).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\dist\desktop-search"
#endif
#ifndef Architectures
  ; "x64" for Inno Setup < 6.3, which has no "x64compatible" (x64 and Arm64 Windows)
  #define Architectures "x64compatible"
#endif
#define AppName "Desktop Search"
#define AppExe "desktop-search.exe"
; The value name the app's own "Start at login" setting reads and writes (ui/desktop.py).
#define RunValueName "desktop-search"

[Setup]
AppId={{5B0F3B8E-7A4C-4B8E-9C1D-2E6F7A8B9C0D}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Desktop Search developers
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
PrivilegesRequired=lowest
ArchitecturesAllowed={#Architectures}
ArchitecturesInstallIn64BitMode={#Architectures}
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=desktop-search-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\icons\desktop-search.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running copy holds its files open: ask it to close (Restart Manager) before replacing them.
CloseApplications=yes
RestartApplications=no

[Tasks]
Name: "startatlogin"; Description: "Start {#AppName} when I sign in (keeps the index fresh in the background)"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Find your files by meaning"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; \
  ValueName: "{#RunValueName}"; ValueData: """{app}\{#AppExe}"" app --background"; \
  Flags: uninsdeletevalue; Tasks: startatlogin

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; \
  Flags: nowait postinstall skipifsilent

[UninstallRun]
; Quit the running app (it may be in the tray) so its files can be removed.
Filename: "{app}\{#AppExe}"; Parameters: "--quit"; Flags: runhidden waituntilterminated skipifdoesntexist; \
  RunOnceId: "QuitDesktopSearch"

[Code]
// The app's own "Start at login" setting may have added the Run value without the task.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RegDeleteValue(HKEY_CURRENT_USER, 'Software\Microsoft\Windows\CurrentVersion\Run', '{#RunValueName}');
end;
