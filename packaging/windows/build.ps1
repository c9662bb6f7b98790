# Builds dist\desktop-search-<version>-windows-x64-setup.exe on Windows:
#
#     powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs Python 3.10+ (py launcher or python on PATH) and Inno Setup 6 (iscc on PATH or in
# its default folder). Signing: set SIGNTOOL_ARGS (e.g. '/fd sha256 /tr <url> /td sha256 /a')
# to sign the programs and the installer with signtool.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Step($text) { Write-Host "`n== $text" }
function Run($exe) {
    & $exe @args
    if ($LASTEXITCODE -ne 0) { throw "$exe $args failed with exit code $LASTEXITCODE" }
}

$venv = if ($env:DESKTOP_SEARCH_BUILD_VENV) { $env:DESKTOP_SEARCH_BUILD_VENV } else { "build\venv-package" }
$python = Join-Path $venv "Scripts\python.exe"
if (-not (Test-Path $python)) {
    Step "Build venv $venv"
    Run py -3 -m venv $venv
}
Step "Dependencies and PyInstaller"
# MSVC does not take -march=native; the variable keeps the recipe the same on every OS.
$env:HNSWLIB_NO_NATIVE = "1"
Run $python -m pip install --disable-pip-version-check -q --no-cache-dir --no-binary hnswlib "hnswlib>=0.8.0"
Run $python -m pip install --disable-pip-version-check -q ".[export]" "pyinstaller>=6.10"
$version = (& $python -c "from desktop_search import __version__; print(__version__)").Trim()

Step "Model folder"
Run $python packaging\prepare_model.py build\model

Step "Icon and PyInstaller"
Run $python packaging\windows\make_ico.py build\icons\desktop-search.ico
$env:DESKTOP_SEARCH_MODEL_DIR = "build\model"
Run (Join-Path $venv "Scripts\pyinstaller.exe") --noconfirm --clean --log-level WARN `
    --distpath build\dist --workpath build\pyinstaller build.spec
if (Test-Path build\self-test-data) { Remove-Item -Recurse -Force build\self-test-data }
Run build\dist\desktop-search\desktop-search-cli.exe --data-dir build\self-test-data --self-test

if ($env:SIGNTOOL_ARGS) {
    Step "Signing the programs"
    Get-ChildItem build\dist\desktop-search\*.exe | ForEach-Object {
        Run signtool sign @($env:SIGNTOOL_ARGS -split " ") $_.FullName
    }
}

Step "Installer"
$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
Run $iscc /Q "/DAppVersion=$version" packaging\windows\desktop-search.iss
$setup = "dist\desktop-search-$version-windows-x64-setup.exe"
if ($env:SIGNTOOL_ARGS) { Run signtool sign @($env:SIGNTOOL_ARGS -split " ") $setup }
Write-Host ("Built {0} ({1:N1} MB)" -f $setup, ((Get-Item $setup).Length / 1MB))
