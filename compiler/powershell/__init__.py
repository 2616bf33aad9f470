"""PowerShell checklist scripts: the pieces the ``ps1`` generator puts together.

``literals``  document text -> PowerShell literals that are data, never code
``commands``  which commands a script may run, and which change the system
``questions`` a jump's condition -> the yes/no question the script asks
``script``    one document -> the data section, rendered into the runtime template
"""
