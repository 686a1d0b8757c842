"""Tests of the Terraform that the template renders when ``use_terraform`` is true."""
