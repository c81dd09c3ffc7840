; Slate's Windows installer (Inno Setup 6.3 or newer), made from the PyInstaller folder
; dist\slate\ that packaging/slate.spec builds on Windows (packaging/windows/build.yml does both):
;
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\slate.iss
;     -> dist\slate-0.1.0-windows-x64-setup.exe
;
; For IT (docs/deployment.md, "Builds"):
;   * per-machine only: installs to C:\Program Files\Slate and needs an administrator;
;   * silent:  slate-...-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG=install.log
;     (no questions, no launch afterwards; exit code 0 on success);
;   * preconfiguration: a slate.toml beside the installer (e.g. on the USB stick) is copied into
;     the install folder, where Slate looks first; then these command-line properties, if given,
;     are written into that file (replacing the same keys):
;       /SERVER=url  /SCHOOL=code  /ENROLLCODE=code  /LANGUAGE=fr  /DATA=user|shared|D:\Slate
;     /DATA=shared also creates C:\ProgramData\slate writable by the Users group;
;   * a desktop shortcut only when asked: /MERGETASKS="desktopicon";
;   * uninstall: "C:\Program Files\Slate\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;     removes the program and its slate.toml, never learners' data (their own AppData folders,
;     or C:\ProgramData\slate).

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z packaging\windows\slate.iss
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\slate"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\package\icons\slate.ico"
#endif

[Setup]
; Never change AppId: it is how an upgrade finds the installed Slate.
AppId={{6F1B7C3E-2D4A-4C59-9E8B-5A3D2C1F0B47}
AppName=Slate
AppVersion={#AppVersion}
AppVerName=Slate {#AppVersion}
AppPublisher=Slate maintainers
DefaultDirName={autopf}\Slate
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=slate-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\slate.exe
WizardStyle=modern
; A running Slate is asked to close (Restart Manager) and is not restarted by Setup.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The deployment file beside the installer, if there is one; an upgrade without one keeps the
; slate.toml already in the install folder.
Source: "{src}\slate.toml"; DestDir: "{app}"; Flags: external skipifsourcedoesntexist ignoreversion

[Dirs]
Name: "{commonappdata}\slate"; Permissions: users-modify; Flags: uninsneveruninstall; Check: WantsSharedData

[Icons]
Name: "{autoprograms}\Slate"; Filename: "{app}\slate.exe"
Name: "{autodesktop}\Slate"; Filename: "{app}\slate.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\slate.exe"; Description: "{cm:LaunchProgram,Slate}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Written by [Code] below, so not in the file list the uninstaller keeps.
Type: files; Name: "{app}\slate.toml"

[Code]
const
  ConfigName = 'slate.toml';
  SettingCount = 5;

{ The command-line property (/NAME=value) of each setting, and its key in slate.toml. }
function SettingParam(I: Integer): String;
begin
  case I of
    0: Result := 'SERVER';
    1: Result := 'SCHOOL';
    2: Result := 'ENROLLCODE';
    3: Result := 'LANGUAGE';
    4: Result := 'DATA';
  end;
end;

function SettingKey(I: Integer): String;
begin
  case I of
    0: Result := 'server_url';
    1: Result := 'school_code';
    2: Result := 'enrollment_code';
    3: Result := 'language';
    4: Result := 'data_location';
  end;
end;

function SettingValue(I: Integer): String;
begin
  Result := Trim(ExpandConstant('{param:' + SettingParam(I) + '|}'));
end;

function WantsSharedData: Boolean;
begin
  Result := CompareText(SettingValue(4), 'shared') = 0;
end;

{ Values are written as TOML literal strings ('...'), so a Windows path keeps its backslashes;
  such a string cannot hold a single quote or a line break, so those are refused up front. }
function InitializeSetup: Boolean;
var
  I: Integer;
  Value: String;
begin
  Result := True;
  for I := 0 to SettingCount - 1 do
  begin
    Value := SettingValue(I);
    if (Pos('''', Value) > 0) or (Pos(#10, Value) > 0) or (Pos(#13, Value) > 0) then
    begin
      SuppressibleMsgBox('Slate setup: /' + SettingParam(I) + '= may not contain a single quote ' +
        'or a line break. Nothing was installed.', mbCriticalError, MB_OK, IDOK);
      Result := False;
      Exit;
    end;
  end;
end;

{ Writes the command-line settings into {app}\slate.toml: they go first (TOML wants top-level
  keys before any [table]), and the same top-level keys are dropped from the file that was
  copied from beside the installer, so no key is written twice (a TOML error). }
procedure WriteCommandLineSettings;
var
  Path, Line, Key: String;
  Old, New: TArrayOfString;
  I, J, N: Integer;
  Given, InTable, Replaced: Boolean;
begin
  Given := False;
  for I := 0 to SettingCount - 1 do
    if SettingValue(I) <> '' then
      Given := True;
  if not Given then
    Exit;

  Path := ExpandConstant('{app}\') + ConfigName;
  if not (FileExists(Path) and LoadStringsFromFile(Path, Old)) then
    SetArrayLength(Old, 0);
  SetArrayLength(New, GetArrayLength(Old) + SettingCount + 1);
  N := 0;
  New[N] := '# Settings from the installer''s command line; check with: slate-cli config show';
  N := N + 1;
  for I := 0 to SettingCount - 1 do
    if SettingValue(I) <> '' then
    begin
      New[N] := SettingKey(I) + ' = ''' + SettingValue(I) + '''';
      N := N + 1;
    end;

  InTable := False;
  for J := 0 to GetArrayLength(Old) - 1 do
  begin
    Line := Trim(Old[J]);
    if (Length(Line) > 0) and (Line[1] = '[') then
      InTable := True;
    Replaced := False;
    if (not InTable) and (Pos('=', Line) > 1) and (Line[1] <> '#') then
    begin
      Key := Trim(Copy(Line, 1, Pos('=', Line) - 1));
      for I := 0 to SettingCount - 1 do
        if (SettingValue(I) <> '') and (Key = SettingKey(I)) then
          Replaced := True;
    end;
    if not Replaced then
    begin
      New[N] := Old[J];
      N := N + 1;
    end;
  end;
  SetArrayLength(New, N);

  { tomllib refuses a byte-order mark, so no BOM. }
  if SaveStringsToUTF8FileWithoutBOM(Path, New, False) then
    Log('Slate: wrote the command-line settings into ' + Path)
  else
    SuppressibleMsgBox('Slate setup could not write ' + Path + '. Slate will run with its ' +
      'default settings; write the file by hand.', mbError, MB_OK, IDOK);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    WriteCommandLineSettings;
end;
