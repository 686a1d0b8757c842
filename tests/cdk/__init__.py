"""Tests of the AWS CDK app that the template renders when ``use_cdk`` is true."""
